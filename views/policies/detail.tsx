// One policy: its rules and settings, status actions, where it is assigned, compliance per
// device, history and versions; and the dry run's result.
import type { ComplianceRow } from '../../src/policies/compliance'
import type { ComplianceHistory } from '../../src/policies/compliance-repo'
import type { AssignmentView } from '../../src/policies/policies'
import type { Policy, PolicyVersion } from '../../src/policies/repo'
import type { RuleResult } from '../../src/policies/types'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, PostButton } from '../components/form'
import { Layout } from '../layout'
import type { Option } from './editor'

export type TargetChoices = { sites: Option[]; groups: Option[]; devices: Option[]; orgId: string; orgName: string }

const levelLabel: Record<string, string> = { org: 'Organization', site: 'Site', group: 'Group', device: 'Device' }
const resultKinds: Record<string, string> = { pass: 'ok', fail: 'bad', error: 'warn', pending: 'info', overridden: '', not_applicable: '', compliant: 'ok', non_compliant: 'bad' }

export function ResultBadge({ status }: { status: string }) {
  return <span class={`badge ${resultKinds[status] ?? ''}`} safe>{status.replace('_', ' ')}</span>
}

export function RuleResults({ rules }: { rules: RuleResult[] }) {
  return (
    <ul class="rule-results">
      {rules.map((r) => (
        <li><ResultBadge status={r.status} /> <span safe>{r.label}</span>{r.actual ? <span class="small muted" safe>{` — ${r.actual}`}</span> : ''}{r.overriddenBy ? <span class="small muted" safe>{` (overridden by ${r.overriddenBy})`}</span> : ''}</li>
      ))}
    </ul>
  )
}

export function PolicyPage(p: {
  page: PageProps; policy: Policy; ruleLabels: string[]; assignments: AssignmentView[]; compliance: ComplianceRow[]; history: ComplianceHistory[]; versions: PolicyVersion[]
  canWrite: boolean; targets: TargetChoices; scriptNames: Record<string, string>
}) {
  const pol = p.policy
  const counts = (s: string) => p.compliance.filter((c) => c.status === s).length
  return (
    <Layout page={p.page} title={pol.name}>
      <PageHeader title={pol.name} subtitle={`${pol.type} · priority ${pol.priority} · ${pol.enforcement} · version ${pol.version}`}>
        <StatusBadge status={pol.status} />
        {p.canWrite && pol.status !== 'archived' ? <a class="btn" href={`/policies/${pol.id}/edit`}>Edit</a> : ''}
        <PostButton action={`/policies/${pol.id}/test`} csrf={p.page.csrf} label="Dry run" />
        {p.canWrite && pol.status === 'active' ? <PostButton action={`/policies/${pol.id}/check`} csrf={p.page.csrf} label="Check now" /> : ''}
        {p.canWrite && pol.status !== 'active' ? <PostButton action={`/policies/${pol.id}/activate`} csrf={p.page.csrf} label="Activate" /> : ''}
        {p.canWrite && pol.status === 'active' ? <PostButton action={`/policies/${pol.id}/deactivate`} csrf={p.page.csrf} label="Deactivate" /> : ''}
        {p.canWrite && pol.status !== 'archived' ? <PostButton action={`/policies/${pol.id}/archive`} csrf={p.page.csrf} label="Archive" /> : ''}
        {p.canWrite ? <PostButton action={`/policies/${pol.id}/delete`} csrf={p.page.csrf} label="Delete" danger confirm="Delete this policy? Its compliance history is kept." /> : ''}
      </PageHeader>
      {pol.description ? <p safe>{pol.description}</p> : ''}
      <div class="grid-2">
        <section class="card">
          <h2>Rules</h2>
          {p.ruleLabels.length ? <ol>{p.ruleLabels.map((l) => <li safe>{l}</li>)}</ol> : <p class="muted">No rules: this policy only carries settings.</p>}
          {Object.keys(pol.settings.values ?? {}).length
            ? <><h3>Settings</h3><dl class="props">{Object.entries(pol.settings.values).map(([k, v]) => <><dt class="mono" safe>{k}</dt><dd safe>{String(v)}</dd></>)}</dl></>
            : ''}
          <p class="small muted">
            {pol.enforcement === 'enforce' ? `Remediation: ${pol.remediationScriptId ? p.scriptNames[pol.remediationScriptId] ?? pol.remediationScriptId : 'per rule'}, at most ${pol.maxRemediationAttempts} attempts. ` : ''}
            Checked every {pol.checkIntervalMinutes} minutes; last <Time ms={pol.lastEvaluatedAt} />.
          </p>
        </section>
        <section class="card">
          <h2>Assigned to</h2>
          {p.assignments.length === 0 ? <p class="muted">Nowhere yet: assign it to the organization, a site, a group or a device.</p> : (
            <table class="small">
              <thead><tr><th>Level</th><th>Target</th><th>Priority</th><th></th></tr></thead>
              <tbody>
                {p.assignments.map((a) => (
                  <tr>
                    <td safe>{levelLabel[a.targetType]}</td>
                    <td safe>{a.targetName}</td>
                    <td>{a.priority ?? <span class="muted">{pol.priority} (policy)</span>}</td>
                    <td class="actions">{p.canWrite ? <PostButton action={`/policies/${pol.id}/assignments/${a.id}/delete`} csrf={p.page.csrf} label="Remove" small /> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {p.canWrite
            ? (
              <form method="post" action={`/policies/${pol.id}/assignments`} class="stack-sm" x-data="switcher">
                <Csrf token={p.page.csrf} />
                <div class="grid-2">
                  <div class="field"><label for="a-type">Assign to</label>
                    <select id="a-type" name="targetType" data-switch="" x-on:change="pick">
                      <option value="org">The organization</option><option value="site">A site</option><option value="group">A device group</option><option value="device">A device</option>
                    </select>
                  </div>
                  <div class="field"><label for="a-priority">Priority (optional)</label><input id="a-priority" type="number" name="priority" min="1" max="100" placeholder={String(pol.priority)} /></div>
                </div>
                <input type="hidden" name="target.org" value={p.targets.orgId} />
                <div x-show="is('site')" x-cloak><select name="target.site" aria-label="Site">{p.targets.sites.map((o) => <option value={o.value} safe>{o.label}</option>)}</select></div>
                <div x-show="is('group')" x-cloak><select name="target.group" aria-label="Group">{p.targets.groups.map((o) => <option value={o.value} safe>{o.label}</option>)}</select></div>
                <div x-show="is('device')" x-cloak><select name="target.device" aria-label="Device">{p.targets.devices.map((o) => <option value={o.value} safe>{o.label}</option>)}</select></div>
                <button class="btn small primary" type="submit">Assign</button>
              </form>
            )
            : ''}
        </section>
      </div>
      <section class="card flush">
        <div class="row card-title">
          <h2>Compliance</h2>
          <span class="small muted">{counts('compliant')} compliant · {counts('non_compliant')} not compliant · {counts('pending')} pending · {counts('error')} errors</span>
          <span class="grow" />
          <a class="btn small" href={`/compliance/export.csv?policyId=${pol.id}`}>Export CSV</a>
        </div>
        {p.compliance.length === 0
          ? <div class="pad muted">{pol.status === 'active' ? 'Not checked yet, or assigned to no device.' : 'Activate the policy to check it (or use the dry run).'}</div>
          : (
            <table>
              <thead><tr><th>Device</th><th>Status</th><th>Rules</th><th>Checked</th><th>Remediation</th></tr></thead>
              <tbody id="compliance-rows">
                {p.compliance.map((c) => (
                  <tr data-device={c.deviceId}>
                    <td><a href={`/policies/effective/${c.deviceId}`} safe>{c.deviceName}</a></td>
                    <td><ResultBadge status={c.status} /></td>
                    <td><RuleResults rules={c.details.filter((d) => d.status !== 'pass' && d.status !== 'not_applicable')} />{c.details.every((d) => d.status === 'pass' || d.status === 'not_applicable') ? <span class="small muted">All rules pass</span> : ''}</td>
                    <td><Time ms={c.checkedAt} /></td>
                    <td class="small">{c.remediationAttempts ? `${c.remediationAttempts} of ${pol.maxRemediationAttempts}` : '—'}{c.remediationBatchId ? ' (running)' : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <div class="grid-2">
        <section class="card flush">
          <h2 class="card-title">History</h2>
          {p.history.length === 0 ? <div class="pad muted">Nothing yet.</div> : (
            <table class="small">
              <tbody>{p.history.map((h) => <tr><td><Time ms={h.at} /></td><td><ResultBadge status={h.status} /></td><td safe>{h.summary}</td></tr>)}</tbody>
            </table>
          )}
        </section>
        <section class="card flush">
          <h2 class="card-title">Versions</h2>
          <table class="small">
            <tbody>
              {p.versions.map((v) => (
                <tr>
                  <td>v{v.version}</td><td safe>{v.changelog}</td><td><Time ms={v.createdAt} /></td>
                  <td class="actions">{p.canWrite && v.version !== pol.version ? <PostButton action={`/policies/${pol.id}/rollback/${v.id}`} csrf={p.page.csrf} label="Roll back" small confirm={`Save version ${v.version} as the newest version?`} /> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </Layout>
  )
}

type DryRun = { policy: { id: string; name: string; status: string; enforcement: string }; summary: Record<string, number>; devices: { deviceId: string; name: string; status: string; rules: RuleResult[]; remediation: string | null }[] }

export function DryRunPage({ page, result }: { page: PageProps; result: DryRun }) {
  const s = result.summary
  return (
    <Layout page={page} title={`Dry run: ${result.policy.name}`}>
      <PageHeader title={`Dry run: ${result.policy.name}`} subtitle="What a check would find now and what it would remediate. Nothing was changed; connected agents answered live.">
        <a class="btn" href={`/policies/${result.policy.id}`}>Back to the policy</a>
      </PageHeader>
      <section class="card row stats" id="dry-run-summary">
        <div class="stat"><span class="label">Devices</span><span class="value">{s.devices}</span></div>
        <div class="stat"><span class="label">Would be compliant</span><span class="value">{s.compliant}</span></div>
        <div class="stat"><span class="label">Not compliant</span><span class="value">{s.non_compliant}</span></div>
        <div class="stat"><span class="label">Pending</span><span class="value">{s.pending}</span></div>
        <div class="stat"><span class="label">Would remediate</span><span class="value">{s.remediations}</span></div>
      </section>
      {result.devices.length === 0
        ? <div class="card"><EmptyState title="No devices" text="The policy is not assigned to any device yet." /></div>
        : (
          <section class="card flush">
            <table>
              <thead><tr><th>Device</th><th>Would be</th><th>Rules</th><th>Remediation</th></tr></thead>
              <tbody>
                {result.devices.map((d) => (
                  <tr data-device={d.deviceId}><td safe>{d.name}</td><td><ResultBadge status={d.status} /></td><td><RuleResults rules={d.rules} /></td><td class="small" safe>{d.remediation ?? '—'}</td></tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
    </Layout>
  )
}
