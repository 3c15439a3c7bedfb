// The policy list, the template gallery and the policy editor (settings rows and rule rows whose
// fields follow the rule kind; static/js/automations.js adds and removes rows).
import type { Policy } from '../../src/policies/repo'
import type { PolicyTemplate } from '../../src/policies/templates'
import type { PolicyRule } from '../../src/policies/types'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, FormError, Input, Select } from '../components/form'
import { Layout } from '../layout'

export type Option = { value: string; label: string }

const typeOptions: Option[] = ['monitoring', 'patching', 'security', 'backup', 'maintenance', 'software', 'alert', 'custom'].map((v) => ({ value: v, label: v }))
const statusOptions: Option[] = ['draft', 'active', 'inactive', 'archived'].map((v) => ({ value: v, label: v }))

export function PolicyTabs({ current, can }: { current: 'policies' | 'templates' | 'compliance'; can: string[] }) {
  const tab = (key: string, href: string, label: string) => <a href={href} aria-current={current === key ? 'page' : undefined} safe>{label}</a>
  return <nav class="tabs">{tab('policies', '/policies', 'Policies')}{tab('templates', '/policies/templates', 'Templates')}{can.includes('policies:read') ? tab('compliance', '/compliance', 'Compliance') : ''}</nav>
}

export function PoliciesPage({ page, policies, orgNames, query, canCreate }: { page: PageProps; policies: Policy[]; orgNames: Record<string, string>; query: { type?: string; status?: string; search?: string }; canCreate: boolean }) {
  return (
    <Layout page={page} title="Policies">
      <PageHeader title="Policies" subtitle="Desired state for devices: settings that inherit org → site → group → device, and rules checked for compliance">
        {canCreate ? <a class="btn" href="/policies/templates">From a template</a> : ''}
        {canCreate ? <a class="btn primary" href="/policies/new">New policy</a> : ''}
      </PageHeader>
      <PolicyTabs current="policies" can={page.can} />
      <form class="filters" method="get" action="/policies" hx-boost="false">
        <div class="field"><label for="q-search">Search</label><input id="q-search" type="search" name="search" value={query.search} /></div>
        <div class="field"><label for="q-type">Type</label><select id="q-type" name="type"><option value="">Any</option>{typeOptions.map((o) => <option value={o.value} selected={query.type === o.value} safe>{o.label}</option>)}</select></div>
        <div class="field"><label for="q-status">Status</label><select id="q-status" name="status"><option value="">Any</option>{statusOptions.map((o) => <option value={o.value} selected={query.status === o.value} safe>{o.label}</option>)}</select></div>
        <button class="btn" type="submit">Filter</button>
        <button class="btn" type="submit" formaction="/policies/export.csv" id="policies-export">Export CSV</button>
      </form>
      {policies.length === 0
        ? <div class="card"><EmptyState title="No policies" text="Start from a template (workstation and server baselines, Linux and Windows security, patching, monitoring…) or write your own." action={canCreate ? { href: '/policies/templates', label: 'Browse templates' } : undefined} /></div>
        : (
          <section class="card flush table-wrap">
            <table>
              <thead><tr><th>Name</th><th>Organization</th><th>Type</th><th>Status</th><th>Priority</th><th>Enforcement</th><th>Rules</th><th>Last checked</th></tr></thead>
              <tbody>
                {policies.map((p) => (
                  <tr>
                    <td><a href={`/policies/${p.id}`} safe>{p.name}</a></td>
                    <td safe>{orgNames[p.orgId] ?? ''}</td>
                    <td><span class="badge">{p.type}</span></td>
                    <td><StatusBadge status={p.status} /></td>
                    <td>{p.priority}</td>
                    <td>{p.enforcement}</td>
                    <td>{(p.settings.rules ?? []).length}</td>
                    <td><Time ms={p.lastEvaluatedAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
    </Layout>
  )
}

export function TemplatesPage({ page, templates, orgs }: { page: PageProps; templates: PolicyTemplate[]; orgs: Option[] }) {
  const categories = [...new Set(templates.map((t) => t.category))]
  return (
    <Layout page={page} title="Policy templates">
      <PageHeader title="Policy templates" subtitle={`${templates.length} built-in templates; a policy made from one starts as a draft you can change`} />
      <PolicyTabs current="templates" can={page.can} />
      {categories.map((cat) => (
        <section class="stack-sm">
          <h2 safe>{cat}</h2>
          <div class="grid-2">
            {templates.filter((t) => t.category === cat).map((t) => (
              <div class="card stack-sm template-card" data-template={t.key}>
                <div class="row"><strong safe>{t.name}</strong><span class="badge">{t.type}</span><span class="badge info">{t.enforcement}</span></div>
                <p class="small" safe>{t.description}</p>
                <p class="small muted">{t.rules.length} rule{t.rules.length === 1 ? '' : 's'}, {Object.keys(t.values).length} setting{Object.keys(t.values).length === 1 ? '' : 's'}</p>
                {orgs.length
                  ? (
                    <form method="post" action="/policies/from-template" class="row">
                      <Csrf token={page.csrf} />
                      <input type="hidden" name="templateKey" value={t.key} />
                      {orgs.length > 1 ? <select name="orgId" aria-label="Organization">{orgs.map((o) => <option value={o.value} safe>{o.label}</option>)}</select> : <input type="hidden" name="orgId" value={orgs[0].value} />}
                      <button class="btn small primary" type="submit">Use template</button>
                    </form>
                  )
                  : ''}
              </div>
            ))}
          </div>
        </section>
      ))}
    </Layout>
  )
}

export type EditorChoices = { scripts: Option[]; channels: Option[] }

const kinds: Option[] = [
  { value: 'service_running', label: 'Service running' }, { value: 'software_installed', label: 'Software installed' }, { value: 'software_absent', label: 'Software not installed' },
  { value: 'file_present', label: 'File present' }, { value: 'registry_value', label: 'Registry value (Windows)' }, { value: 'disk_encryption', label: 'Disk encryption on' },
  { value: 'firewall', label: 'Firewall on' }, { value: 'script', label: 'Check script exits 0' }, { value: 'agent_config', label: 'Agent setting' },
]
const ops: Option[] = ['>=', '>', '=', '!=', '<', '<='].map((v) => ({ value: v, label: v }))

function RuleRow({ index, rule, choices, errors }: { index: string; rule?: Partial<PolicyRule> & { parameters?: unknown; remediationParameters?: unknown }; choices: EditorChoices; errors?: FieldErrors }) {
  const n = (f: string) => `rules.${index}.${f}`
  const err = (f: string) => errors?.[`settings.rules.${index}.${f}`]
  const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v))
  const pairs = (v: unknown) => (v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${x}`).join('\n') : '')
  const field = (f: string, label: string, control: JSX.Element, show?: string) => (
    <div class={err(f) ? 'field invalid' : 'field'} x-show={show ? `has('${show}')` : undefined}>
      <label safe>{label}</label>{control}{err(f) ? <div class="error" safe>{err(f)}</div> : ''}
    </div>
  )
  return (
    <div class="card rule-row stack-sm" data-row="" x-data="ruleRow" data-kind={rule?.kind ?? 'service_running'}>
      <input type="hidden" name={n('id')} value={rule?.id} />
      <div class="grid-4">
        {field('kind', 'Rule', <select name={n('kind')} x-on:change="pick">{kinds.map((k) => <option value={k.value} selected={k.value === (rule?.kind ?? 'service_running')} safe>{k.label}</option>)}</select>)}
        {field('label', 'Label (optional)', <input type="text" name={n('label')} value={rule?.label} />)}
        {field('name', 'Name', <input type="text" name={n('name')} value={rule?.name} placeholder="nginx, WinDefend, Google Chrome" />, 'name')}
        {field('path', 'Path / registry key', <input type="text" name={n('path')} value={rule?.path} placeholder="/etc/ssh/sshd_config or HKLM\\…" />, 'path')}
        {field('valueName', 'Registry value', <input type="text" name={n('valueName')} value={rule?.valueName} />, 'valueName')}
        {field('versionOp', 'Version', <select name={n('versionOp')}>{ops.map((o) => <option value={o.value} selected={o.value === (rule?.versionOp ?? '>=')} safe>{o.label}</option>)}</select>, 'version')}
        {field('version', 'Version number', <input type="text" name={n('version')} value={rule?.version} placeholder="120.0 (optional)" />, 'version')}
        {field('setting', 'Agent setting', <select name={n('setting')}><option value="heartbeatSeconds" selected={rule?.setting !== 'metricsCollection'}>Heartbeat interval (s)</option><option value="metricsCollection" selected={rule?.setting === 'metricsCollection'}>Metrics collection</option></select>, 'setting')}
        {field('op', 'Comparison', <select name={n('op')}>{ops.map((o) => <option value={o.value} selected={o.value === (rule?.op ?? '=')} safe>{o.label}</option>)}</select>, 'setting')}
        {field('expected', 'Expected value', <input type="text" name={n('expected')} value={text(rule?.expected)} placeholder="60, true, 1…" />, 'expected')}
        {field('scriptId', 'Check script', <select name={n('scriptId')}><option value="">Choose…</option>{choices.scripts.map((o) => <option value={o.value} selected={o.value === rule?.scriptId} safe>{o.label}</option>)}</select>, 'scriptId')}
        {field('parameters', 'Script parameters', <textarea name={n('parameters')} rows="2" class="mono" placeholder="NAME=value" safe>{pairs(rule?.parameters)}</textarea>, 'scriptId')}
        {field('remediationScriptId', 'Fix with (enforce)', <select name={n('remediationScriptId')}><option value="">The policy's remediation script</option>{choices.scripts.map((o) => <option value={o.value} selected={o.value === rule?.remediationScriptId} safe>{o.label}</option>)}</select>)}
        {field('remediationParameters', 'Fix parameters', <textarea name={n('remediationParameters')} rows="2" class="mono" placeholder="SERVICE_NAME=nginx" safe>{pairs(rule?.remediationParameters)}</textarea>)}
      </div>
      <div class="row">
        <span class="small muted">Only on:</span>
        {['windows', 'macos', 'linux'].map((os) => <label class="check"><input type="checkbox" name={n('os')} value={os} checked={rule?.os?.includes(os as 'linux')} /> <span safe>{os}</span></label>)}
        <span class="grow" />
        <button type="button" class="btn small danger" x-on:click="removeRow">Remove rule</button>
      </div>
    </div>
  )
}

export function PolicyEditorPage({ page, policy, orgId, orgName, values, errors, choices }: { page: PageProps; policy: Policy | null; orgId: string; orgName: string; values: FormValues; errors?: FieldErrors; choices: EditorChoices }) {
  const settings = (values.settings ?? { values: {}, rules: [] }) as { values: Record<string, unknown>; rules: PolicyRule[] }
  const entries = Object.entries(settings.values ?? {})
  const title = policy ? `Edit ${policy.name}` : 'New policy'
  const channels = (values.alertChannelIds ?? []) as string[]
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle={`${orgName}${policy ? ` · version ${policy.version}` : ''}`} />
      <form method="post" action={policy ? `/policies/${policy.id}` : '/policies'} class="stack">
        <Csrf token={page.csrf} />
        {policy ? '' : <input type="hidden" name="orgId" value={orgId} />}
        <FormError errors={errors} />
        <div class="grid-2">
          <div class="card">
            <Input name="name" label="Name" values={values} errors={errors} required />
            <Input name="description" label="Description" values={values} errors={errors} />
            <div class="grid-2">
              <Select name="type" label="Type" options={typeOptions} values={values} errors={errors} />
              <Input name="priority" label="Priority (1–100)" type="number" min={1} max={100} values={values} errors={errors} hint="Where policies disagree on a device, the higher priority wins" />
            </div>
          </div>
          <div class="card">
            <div class="grid-2">
              <Select name="enforcement" label="Enforcement" options={[{ value: 'monitor', label: 'Monitor: record only' }, { value: 'warn', label: 'Warn: record and alert' }, { value: 'enforce', label: 'Enforce: remediate, alert if it cannot' }]} values={values} errors={errors} />
              <Input name="checkIntervalMinutes" label="Check every (minutes)" type="number" min={5} values={values} errors={errors} />
              <Select name="remediationScriptId" label="Remediation script" options={[{ value: '', label: 'None' }, ...choices.scripts]} values={values} errors={errors} />
              <Input name="maxRemediationAttempts" label="Remediation attempts" type="number" min={0} max={20} values={values} errors={errors} />
              <Select name="alertSeverity" label="Alert severity" options={['critical', 'high', 'medium', 'low', 'info'].map((v) => ({ value: v, label: v }))} values={values} errors={errors} />
            </div>
            {choices.channels.length
              ? (
                <fieldset>
                  <legend>Alert channels</legend>
                  {choices.channels.map((c) => <label class="check"><input type="checkbox" name="alertChannelIds" value={c.value} checked={channels.includes(c.value)} /> <span safe>{c.label}</span></label>)}
                </fieldset>
              )
              : ''}
          </div>
        </div>
        <section class="card stack-sm" x-data="policyRows">
          <h2>Settings</h2>
          <p class="small muted">Values other features read (e.g. patching.rebootPolicy = outside-business-hours). Merged per device by priority; the effective policy page shows where each came from.</p>
          {Object.entries(errors ?? {}).filter(([k]) => k.startsWith('settings.values')).map(([, m]) => <div class="callout bad" safe>{m}</div>)}
          <div data-rows="" class="stack-sm">
            {entries.map(([k, v], i) => <div class="row" data-row=""><input type="text" name={`values.${i}.key`} value={k} aria-label="Setting" class="mono" /><input type="text" name={`values.${i}.value`} value={String(v)} aria-label="Value" /><button type="button" class="btn small danger" x-on:click="removeRow">Remove</button></div>)}
          </div>
          <template><div class="row" data-row=""><input name="values.__INDEX__.key" aria-label="Setting" class="mono" placeholder="monitoring.heartbeatSeconds" /><input name="values.__INDEX__.value" aria-label="Value" placeholder="60" /><button type="button" class="btn small danger" x-on:click="removeRow">Remove</button></div></template>
          <button type="button" class="btn small" x-on:click="addRow" data-start={String(entries.length)}>Add a setting</button>
        </section>
        <section class="card stack-sm" x-data="policyRows">
          <h2>Rules</h2>
          <p class="small muted">Desired state, checked on every device the policy reaches. Inventory rules are checked by the server, files/registry/encryption/firewall by the agent, check scripts by running them.</p>
          {Object.entries(errors ?? {}).filter(([k]) => k.startsWith('settings.rules')).map(([k, m]) => <div class="callout bad" safe>{`${k.replace('settings.rules.', 'Rule ').replace(/\.(\w+)$/, ' ($1)')}: ${m}`}</div>)}
          <div data-rows="" class="stack-sm">{(settings.rules ?? []).map((r, i) => <RuleRow index={String(i)} rule={r} choices={choices} errors={errors} />)}</div>
          <template><RuleRow index="__INDEX__" choices={choices} /></template>
          <button type="button" class="btn small" x-on:click="addRow" data-start={String((settings.rules ?? []).length)}>Add a rule</button>
        </section>
        {policy ? <div class="card"><Input name="changelog" label="What changed" errors={errors} hint="Saved with this version" /></div> : ''}
        <div class="row"><button class="btn primary" type="submit">{policy ? 'Save new version' : 'Create policy'}</button><a class="btn" href={policy ? `/policies/${policy.id}` : '/policies'}>Cancel</a></div>
      </form>
    </Layout>
  )
}
