// The compliance dashboard (percentages per policy, 30-day trend, least compliant devices) and
// a device's effective policy with the source of every value and rule.
import type { Dashboard } from '../../src/policies/compliance'
import type { PolicyRule, SettingValue } from '../../src/policies/types'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Layout } from '../layout'
import { ResultBadge } from './detail'
import { PolicyTabs, type Option } from './editor'

function Trend({ points }: { points: Dashboard['trend'] }) {
  const known = points.map((p, i) => ({ i, v: p.percent })).filter((p): p is { i: number; v: number } => p.v !== null)
  if (known.length === 0) return <p class="muted small">No history yet: the trend fills in as policies are checked each day.</p>
  const w = 600
  const h = 120
  const x = (i: number) => Math.round((i / Math.max(1, points.length - 1)) * w)
  const y = (v: number) => Math.round(h - (v / 100) * h)
  const line = known.map((p) => `${x(p.i)},${y(p.v)}`).join(' ')
  return (
    <figure class="trend">
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label="Compliance over the last 30 days">
        <line x1="0" y1={String(y(50))} x2={String(w)} y2={String(y(50))} class="grid" />
        <polyline points={line} class="line" />
        {known.map((p) => <circle cx={String(x(p.i))} cy={String(y(p.v))} r="3" class="dot" />)}
      </svg>
      <figcaption class="small muted" safe>{`Last 30 days: ${known[0].v}% → ${known[known.length - 1].v}% compliant`}</figcaption>
    </figure>
  )
}

function Percent({ value }: { value: number | null }) {
  if (value === null) return <span class="muted">—</span>
  return <span class="meter"><meter min="0" max="100" low={80} high={95} optimum={100} value={String(value)} /><span class="meter-value" safe>{`${value}%`}</span></span>
}

export function ComplianceDashboardPage({ page, dash, orgs, orgId }: { page: PageProps; dash: Dashboard; orgs: Option[]; orgId?: string }) {
  const o = dash.overall
  return (
    <Layout page={page} title="Compliance">
      <PageHeader title="Compliance" subtitle="How devices measure up against the active policies">
        <a class="btn" href={`/compliance/export.csv${orgId ? `?orgId=${encodeURIComponent(orgId)}` : ''}`}>Export CSV</a>
      </PageHeader>
      <PolicyTabs current="compliance" can={page.can} />
      {orgs.length > 1
        ? (
          <form class="filters" method="get" action="/compliance">
            <div class="field"><label for="c-org">Organization</label><select id="c-org" name="orgId"><option value="">All</option>{orgs.map((x) => <option value={x.value} selected={x.value === orgId} safe>{x.label}</option>)}</select></div>
            <button class="btn" type="submit">Show</button>
          </form>
        )
        : ''}
      <section class="card row stats" id="compliance-overall">
        <div class="stat"><span class="label">Compliant</span><span class="value" id="overall-percent" safe>{o.percent === null ? '—' : `${o.percent}%`}</span></div>
        <div class="stat"><span class="label">Device × policy checks</span><span class="value">{o.total}</span></div>
        <div class="stat"><span class="label">Not compliant</span><span class="value">{o.nonCompliant}</span></div>
        <div class="stat"><span class="label">Pending</span><span class="value">{o.pending}</span></div>
        <div class="stat"><span class="label">Errors</span><span class="value">{o.error}</span></div>
      </section>
      <section class="card"><h2>Trend</h2><Trend points={dash.trend} /></section>
      {dash.policies.length === 0
        ? <div class="card"><EmptyState title="No active policies" text="Activate a policy and assign it to devices to see compliance here." action={{ href: '/policies', label: 'Policies' }} /></div>
        : (
          <section class="card flush">
            <table>
              <thead><tr><th>Policy</th><th>Type</th><th>Enforcement</th><th>Devices</th><th>Compliant</th><th>Not compliant</th><th>Pending</th></tr></thead>
              <tbody>
                {dash.policies.map((p) => (
                  <tr data-policy={p.id}>
                    <td><a href={`/policies/${p.id}`} safe>{p.name}</a></td><td safe>{p.type}</td><td safe>{p.enforcement}</td><td>{p.total}</td>
                    <td><Percent value={p.percent} /></td><td>{p.nonCompliant}</td><td>{p.pending}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      {dash.worst.length
        ? (
          <section class="card">
            <h2>Least compliant devices</h2>
            <ol>{dash.worst.map((d) => <li><a href={`/policies/effective/${d.deviceId}`} safe>{d.deviceName}</a> <span class="small muted">{d.failing} failing rule{d.failing === 1 ? '' : 's'}</span></li>)}</ol>
          </section>
        )
        : ''}
    </Layout>
  )
}

type Source = { policyId: string; policyName: string; level: string; target: string; priority: number }
export type Effective = {
  device: { id: string; name: string; osType: string }
  policies: { id: string; name: string; type: string; enforcement: string; level: string; target: string; priority: number }[]
  values: { key: string; value: SettingValue; source: Source; overridden: (Source & { value: SettingValue })[] }[]
  rules: { key: string; rule: PolicyRule; source: Source & { enforcement: string }; overridden: (Source & { rule: PolicyRule })[] }[]
}

const from = (s: Source) => `${s.policyName} · ${s.target} · priority ${s.priority}`

export function EffectivePolicyPage({ page, eff, ruleLabels, compliance }: { page: PageProps; eff: Effective; ruleLabels: Record<string, string>; compliance: { policyName: string; status: string }[] }) {
  return (
    <Layout page={page} title={`Effective policy: ${eff.device.name}`}>
      <PageHeader title={`Effective policy: ${eff.device.name}`} subtitle="Policies merge org → site → group → device; where they disagree, the higher priority wins (then the more specific assignment)">
        <a class="btn" href={`/devices/${eff.device.id}`}>Device</a>
      </PageHeader>
      <section class="card">
        <h2>Policies that apply ({eff.policies.length})</h2>
        {eff.policies.length === 0 ? <p class="muted">No active policy reaches this device.</p> : (
          <ol>{eff.policies.map((p) => <li><a href={`/policies/${p.id}`} safe>{p.name}</a> <span class="small muted" safe>{`${p.type} · ${p.enforcement} · via ${p.target} · priority ${p.priority}`}</span></li>)}</ol>
        )}
        {compliance.length ? <p>{compliance.map((c) => <span class="row"><span safe>{c.policyName}</span> <ResultBadge status={c.status} /></span>)}</p> : ''}
      </section>
      <section class="card flush">
        <h2 class="card-title">Settings</h2>
        {eff.values.length === 0 ? <div class="pad muted">No settings.</div> : (
          <table id="effective-values">
            <thead><tr><th>Setting</th><th>Value</th><th>From</th><th>Overrides</th></tr></thead>
            <tbody>
              {eff.values.map((v) => (
                <tr data-key={v.key}>
                  <td class="mono" safe>{v.key}</td><td safe>{String(v.value)}</td><td class="small" safe>{from(v.source)}</td>
                  <td class="small muted">{v.overridden.map((o) => <div safe>{`${String(o.value)} from ${from(o)}`}</div>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card flush">
        <h2 class="card-title">Rules</h2>
        {eff.rules.length === 0 ? <div class="pad muted">No rules for this device's OS.</div> : (
          <table id="effective-rules">
            <thead><tr><th>Rule</th><th>From</th><th>Overrides</th></tr></thead>
            <tbody>
              {eff.rules.map((r) => (
                <tr data-key={r.key}>
                  <td safe>{ruleLabels[r.key] ?? r.key}</td><td class="small" safe>{`${from(r.source)} · ${r.source.enforcement}`}</td>
                  <td class="small muted">{r.overridden.map((o) => <div safe>{`${o.rule.kind.replace('_', ' ')} from ${from(o)}`}</div>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  )
}
