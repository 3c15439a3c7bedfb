// The rule builder: owner, severity, conditions (any number, AND/OR, each kind showing only its
// fields), targets, cooldown and auto-resolve, title/message templates, channels and escalation.
import type { AlertRule } from '../../src/alerts/rules-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Checkbox, Csrf, Field, FormError, Input, PostButton, Select, Textarea } from '../components/form'
import { Layout } from '../layout'
import { AlertTabs, severityList } from './parts'
import type { Owner } from './rules'

type Option = { id: string; name: string }
export type RuleFormOptions = {
  owners: Owner[]; sites: Option[]; groups: Option[]; devices: Option[]; channels: Option[]; policies: Option[]
  metrics: string[]; variables: string[]
}

const conditionTypes: [string, string][] = [
  ['metric', 'Metric threshold'], ['offline', 'Device offline'], ['stale', 'No heartbeat (stale data)'], ['software', 'Software installed / removed / present / absent'],
  ['service', 'Service stopped'], ['process_not_running', 'Process not running'], ['process_cpu', 'Process CPU above a threshold'], ['patch_missing', 'Update missing for N days'], ['patch_failed', 'Update install failed'], ['pending_reboot', 'Reboot pending'], ['agent_outdated', 'Agent outdated'],
]
const patchSeverityOptions = [{ value: 'critical', label: 'Critical' }, { value: 'important', label: 'Important or critical' }, { value: 'security', label: 'Security' }, { value: 'any', label: 'Any update' }]
const operators: [string, string][] = [['gt', '>'], ['gte', '≥'], ['lt', '<'], ['lte', '≤'], ['eq', '='], ['neq', '≠']]

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v)
}

function ConditionRow({ index, item, errors }: { index: string; item: Record<string, unknown>; errors?: FieldErrors }) {
  const n = (f: string) => `conditions.items.${index}.${f}`
  const type = str(item.type) ?? 'metric'
  return (
    <fieldset class="condition" data-row="" x-data="switcher">
      <legend>Condition</legend>
      <Select name={n('type')} label="Kind" options={conditionTypes.map(([value, label]) => ({ value, label }))} value={type} errors={errors} switcher />
      <div class="grid-4" x-show="is('metric')">
        <Field name={n('metric')} label="Metric" errors={errors} hint="custom.<name> for values your scripts report">
          <input id={`f-${n('metric')}`} name={n('metric')} type="text" list="metric-names" value={str(item.metric)} placeholder="cpu_percent" />
        </Field>
        <Select name={n('operator')} label="Operator" options={operators.map(([value, label]) => ({ value, label }))} value={str(item.operator) ?? 'gt'} errors={errors} />
        <Input name={n('value')} label="Threshold" type="number" value={str(item.value)} errors={errors} />
        <Input name={n('durationMinutes')} label="For (minutes)" type="number" min={0} value={str(item.durationMinutes)} errors={errors} hint="0 = at once" />
        <Input name={n('volume')} label="Volumes (disk_volume_percent)" value={str(item.volume)} errors={errors} placeholder="C:*, /var" hint="Globs; empty = every volume" />
      </div>
      <div class="grid-4" x-show="is('offline') || is('stale')" x-cloak>
        <Input name={n('minutes')} label="Minutes" type="number" min={1} value={str(item.minutes)} errors={errors} />
      </div>
      <div class="grid-4" x-show="is('software')" x-cloak>
        <Select name={n('event')} label="When software is" options={[['installed', 'installed'], ['removed', 'removed'], ['present', 'present'], ['absent', 'absent']].map(([value, label]) => ({ value, label }))} value={str(item.event) ?? 'installed'} errors={errors} />
        <Input name={n('pattern')} label="Name pattern" value={str(item.pattern)} errors={errors} placeholder="*teamviewer*, *anydesk*" hint="Case-insensitive globs, comma-separated" />
      </div>
      <div class="grid-4" x-show="is('service')" x-cloak>
        <Input name={n('name')} label="Service name" value={str(item.name)} errors={errors} placeholder="WinDefend" hint="Name or display name; globs allowed" />
        <Input name={n('durationMinutes')} label="Stopped for (minutes)" type="number" min={0} value={str(item.durationMinutes)} errors={errors} />
      </div>
      <div class="grid-4" x-show="is('process_not_running') || is('process_cpu')" x-cloak>
        <Input name={n('name')} label="Process name" value={str(item.name)} errors={errors} placeholder="nginx" hint="Glob on the process name; .exe optional" />
      </div>
      <div class="grid-4" x-show="is('process_cpu')" x-cloak>
        <Input name={n('percent')} label="CPU above (%)" type="number" min={1} max={100} value={str(item.percent)} errors={errors} hint="All matching processes together" />
        <Input name={n('minutes')} label="For (minutes)" type="number" min={1} value={str(item.minutes)} errors={errors} hint="In every heartbeat for this long" />
      </div>
      <div class="grid-4" x-show="is('patch_missing')" x-cloak>
        <Select name={n('severity')} label="Update severity" options={patchSeverityOptions} value={str(item.severity) ?? 'critical'} errors={errors} />
        <Input name={n('days')} label="Missing for more than (days)" type="number" min={1} value={str(item.days)} errors={errors} hint="Since the device first reported it" />
      </div>
      <div x-show="is('patch_failed')" x-cloak><p class="muted">Holds while an update's last install on the device failed (until it installs, or a scan finds it gone).</p></div>
      <div class="grid-4" x-show="is('pending_reboot')" x-cloak>
        <Input name={n('days')} label="Pending for (days)" type="number" min={1} value={str(item.days)} errors={errors} />
      </div>
      <div class="grid-4" x-show="is('agent_outdated')" x-cloak>
        <Input name={n('minVersion')} label="Minimum version" value={str(item.minVersion)} errors={errors} hint="Empty = this server's version" />
      </div>
      <button type="button" class="btn small danger" x-on:click="remove">Remove condition</button>
    </fieldset>
  )
}

export function RuleFormPage({ page, rule, values, errors, options, editable, templateName }: {
  page: PageProps; rule: AlertRule | null; values: FormValues; errors?: FieldErrors; options: RuleFormOptions; editable: boolean; templateName?: string
}) {
  const conditions = (values.conditions ?? {}) as { match?: string; items?: Record<string, unknown>[] }
  const items = conditions.items?.length ? conditions.items : [{ type: 'metric' }]
  const targets = (values.targets ?? {}) as { kind?: string; ids?: string[] }
  const ids = new Set(targets.ids ?? [])
  const channelIds = new Set((values.channelIds as string[] | undefined) ?? [])
  const multi = (name: string, label: string, list: Option[], chosen: Set<string>, hint?: string) => (
    <Field name={name} label={label} errors={errors} hint={hint}>
      <select id={`f-${name}`} name={name} multiple="multiple" size={String(Math.min(8, Math.max(3, list.length)))}>
        {list.map((o) => <option value={o.id} selected={chosen.has(o.id)} safe>{o.name}</option>)}
      </select>
    </Field>
  )
  const title = rule ? rule.name : templateName ? `New rule from "${templateName}"` : 'New alert rule'
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle={rule && !editable ? 'You can read this rule but not change it.' : undefined}>
        {rule && editable ? <PostButton action={`/alerts/rules/${rule.id}/delete`} csrf={page.csrf} label="Delete rule" danger confirm="Delete this rule? Its open alerts stay until resolved." /> : ''}
      </PageHeader>
      <AlertTabs current="rules" can={page.can} />
      <datalist id="metric-names">{options.metrics.map((m) => <option value={m} />)}</datalist>
      <form method="post" action={rule ? `/alerts/rules/${rule.id}` : '/alerts/rules'} class="stack rule-form">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <section class="card">
          <h2>Rule</h2>
          <div class="grid-2">
            <Input name="name" label="Name" values={values} errors={errors} required />
            {rule ? '' : <Select name="owner" label="Applies to" options={options.owners} values={values} errors={errors} hint="An organization, or every organization of a partner" />}
            <Select name="severity" label="Severity" options={severityList.map((s) => ({ value: s, label: s }))} values={values} errors={errors} />
            <Input name="cooldownMinutes" label="Cooldown (minutes)" type="number" min={0} values={values} errors={errors} hint="No new alert for the same device this long after one resolves" />
          </div>
          <Textarea name="description" label="Description" values={values} errors={errors} rows={2} />
          <Checkbox name="enabled" label="Enabled" checked={values.enabled !== false && values.enabled !== 'false'} />
          <Checkbox name="autoResolve" label="Resolve automatically when the condition clears" checked={values.autoResolve !== false && values.autoResolve !== 'false'} />
        </section>
        <section class="card" x-data="paramRows">
          <h2>Conditions</h2>
          <Select name="conditions.match" label="Fire when" options={[{ value: 'all', label: 'ALL conditions hold (AND)' }, { value: 'any', label: 'ANY condition holds (OR)' }]} value={conditions.match ?? 'all'} errors={errors} />
          {errors?.['conditions.items'] ? <div class="callout bad" safe>{errors['conditions.items']}</div> : ''}
          <div data-rows="" class="stack">
            {items.map((item, i) => <ConditionRow index={String(i)} item={item} errors={errors} />)}
          </div>
          <template><ConditionRow index="__INDEX__" item={{ type: 'metric' }} /></template>
          <button type="button" class="btn small" x-on:click="add">Add condition</button>
        </section>
        <section class="card" x-data="switcher">
          <h2>Devices</h2>
          <Select name="targets.kind" label="Watch" options={[{ value: 'all', label: 'All devices' }, { value: 'sites', label: 'Some sites' }, { value: 'groups', label: 'Some device groups' }, { value: 'devices', label: 'Some devices' }]} value={targets.kind ?? 'all'} errors={errors} switcher />
          <div x-show="is('sites')" x-cloak>{multi('targets.siteIds', 'Sites', options.sites, ids)}</div>
          <div x-show="is('groups')" x-cloak>{multi('targets.groupIds', 'Device groups', options.groups, ids)}</div>
          <div x-show="is('devices')" x-cloak>{multi('targets.deviceIds', 'Devices', options.devices, ids)}</div>
          {errors?.['targets.ids'] ? <div class="error" safe>{errors['targets.ids']}</div> : ''}
          <Input name="siteOfflineThreshold" label="Site outage threshold (offline rules)" type="number" min={2} values={values} errors={errors} hint="This many devices of one site offline together raise one site alert instead; empty = off" />
        </section>
        <section class="card">
          <h2>Message</h2>
          <Input name="titleTemplate" label="Title" values={values} errors={errors} placeholder="High CPU on {{device.name}} ({{value}}%)" />
          <Textarea name="messageTemplate" label="Message" values={values} errors={errors} rows={3} hint={`Placeholders: ${options.variables.map((v) => `{{${v}}}`).join(' ')}`} />
        </section>
        <section class="card">
          <h2>Notify</h2>
          {options.channels.length
            ? multi('channelIds', 'Channels (at once)', options.channels, channelIds, 'Ctrl/Cmd-click to choose several')
            : <p class="muted">No notification channels yet. <a href="/notifications/channels/new">Add one</a>; alerts still show here and in the bell.</p>}
          <Select name="escalationPolicyId" label="Escalation policy" options={[{ value: '', label: 'None' }, ...options.policies.map((p) => ({ value: p.id, label: p.name }))]} value={str(values.escalationPolicyId) ?? ''} errors={errors} />
        </section>
        {editable ? <div class="row"><button class="btn primary" type="submit">{rule ? 'Save rule' : 'Create rule'}</button><a class="btn" href="/alerts/rules">Cancel</a></div> : ''}
      </form>
    </Layout>
  )
}
