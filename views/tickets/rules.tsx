// Ticket rules: which alerts open tickets, how follow-ups are linked, and closing on resolve.
import type { TicketRule } from '../../src/tickets/tickets-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Checkbox, Csrf, Field, FormError, Input, PostButton, Select } from '../components/form'
import { severityList } from '../alerts/parts'
import { Layout } from '../layout'
import { TicketTabs } from './tickets'

type Option = { id: string; name: string }
export const groupingLabels: Record<string, string> = {
  device: 'One open ticket per device', rule_device: 'One open ticket per alert rule and device', org: 'One open ticket per organization', none: 'A new ticket for every alert',
}

export function TicketRulesPage({ page, rules, ruleNames, ownerNames, canWrite }: { page: PageProps; rules: TicketRule[]; ruleNames: Record<string, string>; ownerNames: Record<string, string>; canWrite: boolean }) {
  return (
    <Layout page={page} title="Ticket rules">
      <PageHeader title="Ticket rules" subtitle="Open tickets from alerts automatically; follow-up alerts join the open ticket.">
        {canWrite ? <a class="btn primary" href="/tickets/rules/new">New ticket rule</a> : ''}
      </PageHeader>
      <TicketTabs current="rules" />
      <section class="card flush">
        {rules.length === 0
          ? <EmptyState title="No ticket rules" text="For example: every critical alert opens an urgent ticket, one per device, closed when the alerts resolve." action={canWrite ? { href: '/tickets/rules/new', label: 'New ticket rule' } : undefined} />
          : (
            <table>
              <thead><tr><th>Rule</th><th>Matches</th><th>Grouping</th><th>Priority</th><th>On resolve</th><th>Owner</th></tr></thead>
              <tbody>
                {rules.map((r) => (
                  <tr>
                    <td><a href={`/tickets/rules/${r.id}`} safe>{r.name}</a>{r.enabled ? '' : <span class="badge">disabled</span>}</td>
                    <td class="small" safe>{`${r.severities.length ? r.severities.join('/') : 'any severity'}; ${r.alertRuleIds.length ? r.alertRuleIds.map((id) => ruleNames[id] ?? 'rule').join(', ') : 'any alert rule'}`}</td>
                    <td class="small" safe>{groupingLabels[r.grouping]}</td>
                    <td>{r.priority}</td>
                    <td class="small">{r.closeOnResolve ? 'close' : 'leave open'}</td>
                    <td class="small" safe>{r.orgId ? ownerNames[r.orgId] ?? '' : `${ownerNames[r.partnerId] ?? 'partner'}: all organizations`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
    </Layout>
  )
}

export function TicketRuleFormPage({ page, rule, values, errors, owners, alertRules, users }: {
  page: PageProps; rule: TicketRule | null; values: FormValues; errors?: FieldErrors; owners: { value: string; label: string }[]; alertRules: Option[]; users: Option[]
}) {
  const chosenSev = new Set((values.severities as string[] | undefined) ?? [])
  const chosenRules = new Set((values.alertRuleIds as string[] | undefined) ?? [])
  return (
    <Layout page={page} title={rule ? rule.name : 'New ticket rule'}>
      <PageHeader title={rule ? rule.name : 'New ticket rule'}>
        {rule ? <PostButton action={`/tickets/rules/${rule.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this ticket rule? Existing tickets stay." /> : ''}
      </PageHeader>
      <TicketTabs current="rules" />
      <form method="post" action={rule ? `/tickets/rules/${rule.id}` : '/tickets/rules'} class="card stack form-narrow">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="name" label="Name" values={values} errors={errors} required />
        {rule ? '' : <Select name="owner" label="Applies to" options={owners} values={values} errors={errors} />}
        <Field name="severities" label="Alert severities" errors={errors} hint="None chosen = any severity">
          <div class="row">{severityList.map((s) => <label class="check"><input type="checkbox" name="severities" value={s} checked={chosenSev.has(s)} /> <span>{s}</span></label>)}</div>
        </Field>
        <Field name="alertRuleIds" label="Alert rules" errors={errors} hint="None chosen = any rule">
          <select id="f-alertRuleIds" name="alertRuleIds" multiple="multiple" size={String(Math.min(8, Math.max(3, alertRules.length)))}>
            {alertRules.map((r) => <option value={r.id} selected={chosenRules.has(r.id)} safe>{r.name}</option>)}
          </select>
        </Field>
        <Select name="grouping" label="Follow-up alerts" options={Object.entries(groupingLabels).map(([value, label]) => ({ value, label }))} values={values} errors={errors} />
        <Select name="priority" label="Ticket priority" options={['urgent', 'high', 'normal', 'low'].map((p) => ({ value: p, label: p }))} values={values} errors={errors} />
        <Select name="assigneeId" label="Assign to" options={[{ value: '', label: 'Nobody' }, ...users.map((u) => ({ value: u.id, label: u.name }))]} value={String(values.assigneeId ?? '')} errors={errors} hint="Organization rules only" />
        <Checkbox name="closeOnResolve" label="Close the ticket when all its alerts have resolved" checked={values.closeOnResolve !== false} />
        <Checkbox name="enabled" label="Enabled" checked={values.enabled !== false} />
        <div class="row"><button class="btn primary" type="submit">{rule ? 'Save' : 'Create rule'}</button><a class="btn" href="/tickets/rules">Cancel</a></div>
      </form>
    </Layout>
  )
}
