// Site pages: list across organizations, create, edit.
import type { Site } from '../../src/tenancy/repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

export function SitesPage({ page, rows, orgFilter, canCreate }: { page: PageProps; rows: { site: Site; orgName: string }[]; orgFilter: string | null; canCreate: boolean }) {
  return (
    <Layout page={page} title="Sites">
      <PageHeader title="Sites" subtitle={orgFilter ? 'Sites of the selected organization' : 'Locations of all your organizations'}>
        <a class="btn" href={orgFilter ? `/sites/export.csv?orgId=${orgFilter}` : '/sites/export.csv'} hx-boost="false" download="sites.csv" id="sites-export">Export CSV</a>
        {canCreate ? <a class="btn primary" href={orgFilter ? `/sites/new?orgId=${orgFilter}` : '/sites/new'}>New site</a> : ''}
      </PageHeader>
      <section class="card flush">
        {rows.length === 0
          ? <EmptyState title="No sites yet" text="A site is a location of an organization (an office, a data centre). Devices belong to sites." action={canCreate ? { href: '/sites/new', label: 'Create site' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Site</th><th>Organization</th><th>Time zone</th><th>City</th><th>Contact</th></tr></thead>
                <tbody>
                  {rows.map(({ site, orgName }) => (
                    <tr>
                      <td><a href={`/sites/${site.id}`} safe>{site.name}</a></td>
                      <td><a href={`/orgs/${site.orgId}`} safe>{orgName}</a></td>
                      <td safe>{site.timezone}</td>
                      <td safe>{site.address?.city ?? '—'}</td>
                      <td safe>{site.contact?.name ?? site.contact?.email ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </Layout>
  )
}

function SiteFields({ values, errors, timezones }: { values?: FormValues; errors?: FieldErrors; timezones: string[] }) {
  return (
    <>
      <Input name="name" label="Name" values={values} errors={errors} required />
      <Select name="timezone" label="Time zone" options={timezones.map((z) => ({ value: z, label: z }))} values={values} errors={errors} hint="Used for maintenance windows and schedules at this site" />
      <fieldset>
        <legend>Address</legend>
        <Input name="address.street" label="Street" values={values} errors={errors} />
        <div class="grid-2">
          <Input name="address.city" label="City" values={values} errors={errors} />
          <Input name="address.postalCode" label="Postal code" values={values} errors={errors} />
        </div>
        <div class="grid-2">
          <Input name="address.region" label="Region" values={values} errors={errors} />
          <Input name="address.country" label="Country" values={values} errors={errors} />
        </div>
      </fieldset>
      <fieldset>
        <legend>On-site contact</legend>
        <div class="grid-2">
          <Input name="contact.name" label="Name" values={values} errors={errors} />
          <Input name="contact.phone" label="Phone" values={values} errors={errors} />
        </div>
        <Input name="contact.email" label="Email" type="email" values={values} errors={errors} />
      </fieldset>
    </>
  )
}

export function NewSitePage({ page, orgs, values, errors, timezones }: { page: PageProps; orgs: { id: string; name: string }[]; values?: FormValues; errors?: FieldErrors; timezones: string[] }) {
  return (
    <Layout page={page} title="New site">
      <PageHeader title="New site" />
      {orgs.length === 0
        ? <section class="card"><EmptyState title="No organization to add a site to" text="Create an organization first." action={{ href: '/orgs/new', label: 'Create organization' }} /></section>
        : (
          <form class="card form-narrow" method="post" action="/sites">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <Select name="orgId" label="Organization" options={orgs.map((o) => ({ value: o.id, label: o.name }))} values={values} errors={errors} required />
            <SiteFields values={values} errors={errors} timezones={timezones} />
            <button class="btn primary" type="submit">Create site</button>
          </form>
        )}
    </Layout>
  )
}

export function SitePage({ page, site, orgName, values, errors, timezones, canEdit, canDelete }: {
  page: PageProps; site: Site; orgName: string; values?: FormValues; errors?: FieldErrors; timezones: string[]; canEdit: boolean; canDelete: boolean
}) {
  const current: FormValues = values ?? { ...site, address: site.address ?? {}, contact: site.contact ?? {} }
  return (
    <Layout page={page} title={site.name}>
      <PageHeader title={site.name} subtitle={`Site of ${orgName}`}>
        <a class="btn" href={`/orgs/${site.orgId}`}>Organization</a>
        {canDelete ? <PostButton action={`/sites/${site.id}/delete`} csrf={page.csrf} label="Delete" danger confirm={`Delete the site ${site.name}?`} /> : ''}
      </PageHeader>
      <section class="card form-narrow">
        {canEdit
          ? (
            <form method="post" action={`/sites/${site.id}`}>
              <Csrf token={page.csrf} />
              <FormError errors={errors} />
              <SiteFields values={current} errors={errors} timezones={timezones} />
              <button class="btn primary" type="submit">Save</button>
            </form>
          )
          : (
            <dl class="props">
              <dt>Time zone</dt><dd safe>{site.timezone}</dd>
              <dt>Address</dt><dd safe>{[site.address?.street, site.address?.postalCode, site.address?.city, site.address?.country].filter(Boolean).join(', ') || '—'}</dd>
              <dt>Contact</dt><dd safe>{[site.contact?.name, site.contact?.email, site.contact?.phone].filter(Boolean).join(' · ') || '—'}</dd>
            </dl>
          )}
      </section>
    </Layout>
  )
}
