// Escalation policies: list and the step editor (delay, channels, people).
import type { EscalationPolicy } from '../../src/notifications/channels-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Csrf, Field, FormError, Input, PostButton, Select, Textarea } from '../components/form'
import { Layout } from '../layout'
import { NotificationTabs, type Owner } from './channels'

type Option = { id: string; name: string }

export function PoliciesPage({ page, policies, channelNames, canWrite }: { page: PageProps; policies: EscalationPolicy[]; channelNames: Record<string, string>; canWrite: boolean }) {
  return (
    <Layout page={page} title="Escalation policies">
      <PageHeader title="Escalation policies" subtitle="If nobody acknowledges an alert, tell more people, in steps.">
        {canWrite ? <a class="btn primary" href="/notifications/policies/new">New policy</a> : ''}
      </PageHeader>
      <NotificationTabs current="policies" />
      <section class="card flush">
        {policies.length === 0
          ? <EmptyState title="No escalation policies" text="For example: Slack at once, the on-call phone after 15 minutes, the team lead after an hour." action={canWrite ? { href: '/notifications/policies/new', label: 'New policy' } : undefined} />
          : (
            <table>
              <thead><tr><th>Policy</th><th>Steps</th></tr></thead>
              <tbody>
                {policies.map((p) => (
                  <tr>
                    <td><a href={`/notifications/policies/${p.id}`} safe>{p.name}</a><div class="small muted" safe>{p.description}</div></td>
                    <td class="small">
                      <ol class="steps">{p.steps.map((s) => <li safe>{`after ${s.delayMinutes} min: ${[...s.channelIds.map((id) => channelNames[id] ?? 'channel'), ...(s.userIds.length ? [`${s.userIds.length} user(s) in-app`] : [])].join(', ')}`}</li>)}</ol>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
    </Layout>
  )
}

function StepRow({ index, step, channels, users, errors }: { index: string; step: Record<string, unknown>; channels: Option[]; users: Option[]; errors?: FieldErrors }) {
  const n = (f: string) => `steps.${index}.${f}`
  const chosen = (k: string) => new Set((step[k] as string[] | undefined) ?? [])
  const multi = (field: string, label: string, list: Option[]) => (
    <Field name={n(field)} label={label} errors={errors}>
      <select id={`f-${n(field)}`} name={n(field)} multiple="multiple" size={String(Math.min(6, Math.max(3, list.length)))}>
        {list.map((o) => <option value={o.id} selected={chosen(field).has(o.id)} safe>{o.name}</option>)}
      </select>
    </Field>
  )
  return (
    <fieldset data-row="">
      <legend>Step</legend>
      <div class="grid-2">
        <Input name={n('delayMinutes')} label="Minutes after the alert fired" type="number" min={0} value={step.delayMinutes === undefined ? '0' : String(step.delayMinutes)} errors={errors} />
        {multi('channelIds', 'Channels', channels)}
        {multi('userIds', 'People (in-app notification)', users)}
      </div>
      <button type="button" class="btn small danger" x-on:click="remove">Remove step</button>
    </fieldset>
  )
}

export function PolicyFormPage({ page, policy, values, errors, owners, channels, users, canWrite }: {
  page: PageProps; policy: EscalationPolicy | null; values: FormValues; errors?: FieldErrors; owners: Owner[]; channels: Option[]; users: Option[]; canWrite: boolean
}) {
  const steps = ((values.steps as Record<string, unknown>[] | undefined) ?? []).length ? (values.steps as Record<string, unknown>[]) : [{ delayMinutes: 0 }]
  return (
    <Layout page={page} title={policy ? policy.name : 'New escalation policy'}>
      <PageHeader title={policy ? policy.name : 'New escalation policy'}>
        {policy && canWrite ? <PostButton action={`/notifications/policies/${policy.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this policy? Rules using it stop escalating." /> : ''}
      </PageHeader>
      <NotificationTabs current="policies" />
      <form method="post" action={policy ? `/notifications/policies/${policy.id}` : '/notifications/policies'} class="card stack" x-data="paramRows">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <div class="grid-2">
          <Input name="name" label="Name" values={values} errors={errors} required />
          {policy ? '' : <Select name="owner" label="Owner" options={owners} values={values} errors={errors} />}
        </div>
        <Textarea name="description" label="Description" values={values} errors={errors} rows={2} />
        <h2>Steps</h2>
        {errors?.steps ? <div class="callout bad" safe>{errors.steps}</div> : ''}
        <p class="small muted">Each step runs once, at its delay after the alert fired, unless the alert was acknowledged or resolved first.</p>
        <div data-rows="" class="stack">{steps.map((s, i) => <StepRow index={String(i)} step={s} channels={channels} users={users} errors={errors} />)}</div>
        <template><StepRow index="__INDEX__" step={{}} channels={channels} users={users} /></template>
        <div class="row">
          <button type="button" class="btn small" x-on:click="add">Add step</button>
          {canWrite ? <button class="btn primary" type="submit">{policy ? 'Save' : 'Create policy'}</button> : ''}
        </div>
      </form>
    </Layout>
  )
}
