// Partner pages: the MSPs hosted on this appliance.
import type { Partner } from '../../src/tenancy/repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader, Time } from '../components/common'
import { Checkbox, Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

export function PartnersPage({ page, partners, canCreate }: { page: PageProps; partners: Partner[]; canCreate: boolean }) {
  return (
    <Layout page={page} title="Partners">
      <PageHeader title="Partners" subtitle="The companies (MSPs or IT teams) that manage organizations on this Breeze.">
        {canCreate ? <a class="btn primary" href="/partners/new">New partner</a> : ''}
      </PageHeader>
      <section class="card flush">
        <div class="table-wrap">
          <table>
            <thead><tr><th>Partner</th><th>Type</th><th>Plan</th><th>2FA required</th><th>Created</th></tr></thead>
            <tbody>
              {partners.map((p) => (
                <tr>
                  <td><a href={`/partners/${p.id}`} safe>{p.name}</a> <span class="small muted" safe>{p.slug}</span></td>
                  <td>{p.type}</td>
                  <td>{p.plan}</td>
                  <td>{p.mfaRequired ? <span class="badge ok">yes</span> : <span class="badge">no</span>}</td>
                  <td><Time ms={p.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Layout>
  )
}

function PartnerFields({ values, errors }: { values?: FormValues; errors?: FieldErrors }) {
  return (
    <>
      <Input name="name" label="Name" values={values} errors={errors} required />
      <Input name="slug" label="Slug" values={values} errors={errors} hint="Leave empty to derive it from the name" />
      <div class="grid-2">
        <Select name="type" label="Type" options={[{ value: 'msp', label: 'MSP' }, { value: 'enterprise', label: 'Enterprise IT' }, { value: 'internal', label: 'Internal' }]} values={values} errors={errors} />
        <Select name="plan" label="Plan" options={['free', 'pro', 'enterprise', 'unlimited'].map((v) => ({ value: v, label: v }))} values={values} errors={errors} />
      </div>
      <Input name="billingEmail" label="Billing email" type="email" values={values} errors={errors} />
      <div class="grid-2">
        <Input name="maxOrganizations" label="Organization limit" type="number" min={0} values={values} errors={errors} hint="Empty: no limit" />
        <Input name="maxDevices" label="Device limit" type="number" min={0} values={values} errors={errors} hint="Empty: no limit" />
      </div>
      <Checkbox name="mfaRequired" label="Require two-factor authentication for every user of this partner" checked={values?.mfaRequired === true || values?.mfaRequired === 'true'} />
    </>
  )
}

export function PartnerFormPage({ page, partner, values, errors, canDelete }: { page: PageProps; partner: Partner | null; values?: FormValues; errors?: FieldErrors; canDelete: boolean }) {
  return (
    <Layout page={page} title={partner?.name ?? 'New partner'}>
      <PageHeader title={partner?.name ?? 'New partner'}>
        {partner && canDelete ? <PostButton action={`/partners/${partner.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this partner and hide all its organizations?" /> : ''}
      </PageHeader>
      <form class="card form-narrow" method="post" action={partner ? `/partners/${partner.id}` : '/partners'}>
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <PartnerFields values={values ?? (partner ? { ...partner } : { type: 'msp', plan: 'unlimited' })} errors={errors} />
        <button class="btn primary" type="submit">{partner ? 'Save' : 'Create partner'}</button>
      </form>
    </Layout>
  )
}
