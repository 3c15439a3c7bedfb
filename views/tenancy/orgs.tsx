// Organization pages: list, create, detail with edit form.
import type { Children } from '@kitajs/html'
import type { Org, Partner, Site } from '../../src/tenancy/repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination, StatusBadge, Time } from '../components/common'
import { Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

const statusOptions = [
  { value: 'active', label: 'Active' }, { value: 'trial', label: 'Trial' }, { value: 'suspended', label: 'Suspended' }, { value: 'churned', label: 'Churned' },
]

type OrgRow = Org & { siteCount: number }

export function OrgTable({ rows, total, page, perPage, query }: { rows: OrgRow[]; total: number; page: number; perPage: number; query: { search?: string; status?: string } }) {
  const href = (p: number) => `/orgs?${new URLSearchParams({ ...(query.search ? { search: query.search } : {}), ...(query.status ? { status: query.status } : {}), page: String(p) })}`
  if (rows.length === 0) {
    return query.search || query.status
      ? <EmptyState title="No matching organizations" text="Try another search or clear the filters." />
      : <EmptyState title="No organizations yet" text="An organization is one of your customers (or your own company). Create one to add its sites, users and devices." action={{ href: '/orgs/new', label: 'Create organization' }} />
  }
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead><tr><th>Name</th><th>Status</th><th>Type</th><th>Sites</th><th>Contract ends</th><th>Created</th></tr></thead>
          <tbody>
            {rows.map((o) => (
              <tr>
                <td><a href={`/orgs/${o.id}`} safe>{o.name}</a> <span class="muted small" safe>{o.slug}</span></td>
                <td><StatusBadge status={o.status} /></td>
                <td>{o.type}</td>
                <td>{o.siteCount}</td>
                <td safe>{o.contractEnd ?? '—'}</td>
                <td><Time ms={o.createdAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination page={page} perPage={perPage} total={total} href={href} />
    </>
  )
}

export function OrgsPage(p: { page: PageProps; canCreate: boolean; table: Children; query: { search?: string; status?: string } }) {
  return (
    <Layout page={p.page} title="Organizations">
      <PageHeader title="Organizations" subtitle="Your customers and their contracts.">
        {p.canCreate ? <a class="btn primary" href="/orgs/new">New organization</a> : ''}
      </PageHeader>
      <form class="filters" method="get" action="/orgs" hx-get="/orgs" hx-target="#org-table" hx-trigger="input delay:300ms, change" hx-push-url="true" hx-boost="false">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={p.query.search} placeholder="Name or slug" /></div>
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">Any</option>
            {statusOptions.map((o) => <option value={o.value} selected={p.query.status === o.value} safe>{o.label}</option>)}
          </select>
        </div>
        <button class="btn" type="submit" formaction="/orgs/export.csv" id="orgs-export">Export CSV</button>
      </form>
      <section class="card flush" id="org-table">{p.table}</section>
    </Layout>
  )
}

function OrgFields({ values, errors, partners }: { values?: FormValues; errors?: FieldErrors; partners?: Partner[] }) {
  return (
    <>
      {partners && partners.length > 1 ? <Select name="partnerId" label="Partner" options={partners.map((p) => ({ value: p.id, label: p.name }))} values={values} errors={errors} /> : ''}
      <Input name="name" label="Name" values={values} errors={errors} required />
      <Input name="slug" label="Slug" values={values} errors={errors} hint="Lowercase letters, digits and dashes. Leave empty to derive it from the name." />
      <div class="grid-2">
        <Select name="status" label="Status" options={statusOptions} values={values} errors={errors} />
        <Select name="type" label="Type" options={[{ value: 'customer', label: 'Customer' }, { value: 'internal', label: 'Internal (your own company)' }]} values={values} errors={errors} />
      </div>
      <div class="grid-2">
        <Input name="contractStart" label="Contract start" type="date" values={values} errors={errors} />
        <Input name="contractEnd" label="Contract end" type="date" values={values} errors={errors} />
      </div>
      <Input name="maxDevices" label="Device limit" type="number" min={0} values={values} errors={errors} hint="Leave empty for no limit" />
      <fieldset>
        <legend>Billing contact</legend>
        <div class="grid-2">
          <Input name="billingContact.name" label="Name" values={values} errors={errors} />
          <Input name="billingContact.email" label="Email" type="email" values={values} errors={errors} />
        </div>
        <Input name="billingContact.phone" label="Phone" values={values} errors={errors} />
      </fieldset>
    </>
  )
}

export function NewOrgPage({ page, values, errors, partners }: { page: PageProps; values?: FormValues; errors?: FieldErrors; partners: Partner[] }) {
  return (
    <Layout page={page} title="New organization">
      <PageHeader title="New organization" />
      <form class="card form-narrow" method="post" action="/orgs">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <OrgFields values={values ?? { status: 'active', type: 'customer' }} errors={errors} partners={partners} />
        <button class="btn primary" type="submit">Create organization</button>
      </form>
    </Layout>
  )
}

export function OrgPage({ page, org, sites, values, errors, canEdit, canDelete, canAddSite }: {
  page: PageProps; org: Org; sites: Site[]; values?: FormValues; errors?: FieldErrors; canEdit: boolean; canDelete: boolean; canAddSite: boolean
}) {
  const current: FormValues = values ?? { ...org, billingContact: org.billingContact ?? {} }
  return (
    <Layout page={page} title={org.name}>
      <PageHeader title={org.name} subtitle={`Organization · ${org.slug}`}>
        <StatusBadge status={org.status} />
        {canDelete ? <PostButton action={`/orgs/${org.id}/delete`} csrf={page.csrf} label="Delete" danger confirm={`Delete ${org.name}? It disappears from every view.`} /> : ''}
      </PageHeader>
      <div class="grid-2">
        <section class="card">
          <h2>Details</h2>
          {canEdit
            ? (
              <form method="post" action={`/orgs/${org.id}`}>
                <Csrf token={page.csrf} />
                <FormError errors={errors} />
                <OrgFields values={current} errors={errors} />
                <button class="btn primary" type="submit">Save</button>
              </form>
            )
            : (
              <dl class="props">
                <dt>Type</dt><dd>{org.type}</dd>
                <dt>Contract</dt><dd safe>{`${org.contractStart ?? '—'} → ${org.contractEnd ?? '—'}`}</dd>
                <dt>Device limit</dt><dd>{org.maxDevices ?? 'none'}</dd>
                <dt>Billing contact</dt><dd safe>{[org.billingContact?.name, org.billingContact?.email, org.billingContact?.phone].filter(Boolean).join(' · ') || '—'}</dd>
              </dl>
            )}
        </section>
        <section class="card flush">
          <div class="page-header">
            <h2 class="grow">Sites</h2>
          </div>
          {sites.length === 0
            ? <EmptyState title="No sites yet" text="Sites are the locations of this organization; devices belong to a site." action={canAddSite ? { href: `/sites/new?orgId=${org.id}`, label: 'Add site' } : undefined} />
            : (
              <table>
                <thead><tr><th>Site</th><th>Time zone</th></tr></thead>
                <tbody>{sites.map((s) => <tr><td><a href={`/sites/${s.id}`} safe>{s.name}</a></td><td safe>{s.timezone}</td></tr>)}</tbody>
              </table>
            )}
          {sites.length > 0 && canAddSite ? <div class="pagination"><a class="btn small" href={`/sites/new?orgId=${org.id}`}>Add site</a></div> : ''}
        </section>
      </div>
    </Layout>
  )
}
