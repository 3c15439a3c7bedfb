// The built-in dashboard widgets' bodies. Every name from a user or an endpoint is escaped.
import type { ActivityData, AlertsData, ComplianceData, FleetHealth, OsData, RecentData, StatusData, TopData } from '../../src/dashboard/widgets'
import type { WidgetRender } from '../../src/dashboard/registry'
import { Ago, DeviceStatus, deviceLabel, Meter, osLabels, statusLabels } from '../devices/parts'

/** Pct: a percentage, or a dash when there is nothing to count. */
function Pct({ v }: { v: number | null }) {
  return v === null ? <>—</> : <>{v}%</>
}
const q = (r: WidgetRender, extra: Record<string, string> = {}) => new URLSearchParams({ ...(r.orgId ? { orgId: r.orgId } : {}), ...extra }).toString()

export function FleetHealthView(d: FleetHealth, r: WidgetRender) {
  return (
    <div class="widget-stats">
      <a class="stat" href={`/devices?${q(r)}`}><span class="value" data-figure="total">{d.total}</span><span class="label">Devices</span></a>
      <a class="stat" href={`/devices?${q(r, { status: 'online' })}`}><span class="value" data-figure="percent-online"><Pct v={d.percentOnline} /></span><span class="label">Online</span></a>
      <a class="stat" href={`/devices?${q(r, { q: 'disk_percent >= 90' })}`}><span class="value" data-figure="disk-full">{d.diskFull}</span><span class="label">Disk ≥ 90%</span></a>
      <a class="stat" href={`/devices?${q(r, { q: 'pending_reboot = true' })}`}><span class="value" data-figure="pending-reboot">{d.pendingReboot}</span><span class="label">Reboot pending</span></a>
    </div>
  )
}

export function StatusView(d: StatusData, r: WidgetRender) {
  return (
    <>
      <div class="widget-stats">
        {(['online', 'offline', 'maintenance'] as const).map((s) => (
          <a class="stat" href={`/devices?${q(r, { status: s })}`}><span class="value" data-figure={s}>{d.byStatus[s] ?? 0}</span><span class="label" safe>{statusLabels[s]}</span></a>
        ))}
      </div>
      {d.offline.length === 0
        ? <p class="small muted">{d.total === 0 ? 'No devices yet.' : 'Every device is online.'}</p>
        : (
          <div class="table-wrap">
            <table>
              <tbody>{d.offline.map((x) => (
                <tr><td><a href={`/devices/${x.id}`} safe>{deviceLabel(x)}</a><div class="small muted" safe>{x.siteName}</div></td><td><DeviceStatus id={x.id} status={x.status} /></td><td class="small nowrap">last seen <Ago ms={x.lastSeenAt} now={r.now} /></td></tr>
              ))}</tbody>
            </table>
          </div>
        )}
    </>
  )
}

const severityOrder = ['critical', 'high', 'medium', 'low', 'info'] as const

export function AlertsView(d: AlertsData, r: WidgetRender) {
  if (d.total === 0) return <p class="small muted">No open alerts.</p>
  return (
    <div class="bars">
      {severityOrder.map((s) => (
        <>
          <a href={`/alerts?${q(r, { severity: s })}`}><span class={`badge sev-${s}`}>{s}</span></a>
          <meter min="0" max={String(d.total)} value={String(d.bySeverity[s] ?? 0)}></meter>
          <span class="small" data-figure={`alerts-${s}`}>{d.bySeverity[s] ?? 0}</span>
        </>
      ))}
    </div>
  )
}

export function TopView(d: TopData, r: WidgetRender) {
  const lists = [['CPU', 'cpu', d.cpu], ['Memory', 'ram', d.ram], ['Disk', 'disk', d.disk]] as const
  return (
    <div class="grid-3">
      {lists.map(([title, sort, rows]) => (
        <div>
          <h4><a href={`/devices?${q(r, { sort, order: 'desc' })}`}>{title}</a></h4>
          {rows.length === 0
            ? <p class="small muted">No online device has reported this yet.</p>
            : <div class="bars">{rows.map((x) => <><a href={`/devices/${x.id}/metrics`} safe>{deviceLabel(x)}</a><Meter value={x.value} /><span></span></>)}</div>}
        </div>
      ))}
    </div>
  )
}

export function ComplianceView(d: ComplianceData, _r: WidgetRender) {
  if (d.overall.total === 0) return <p class="small muted">No device is checked by an active policy yet. <a href="/policies">Policies</a></p>
  return (
    <>
      <p><span class="value" data-figure="compliance"><Pct v={d.overall.percent} /></span> compliant <span class="small muted">({d.overall.compliant} of {d.overall.total} checks; {d.overall.nonCompliant} failing)</span></p>
      <div class="bars">
        {d.policies.map((p) => (
          <>
            <a href={`/policies/${p.id}`} safe>{p.name}</a>
            <meter min="0" max="100" low="80" high="95" optimum="100" value={String(p.percent ?? 0)}></meter>
            <span class="small"><Pct v={p.percent} /></span>
          </>
        ))}
      </div>
      <p class="small"><a href="/compliance">Compliance</a></p>
    </>
  )
}

export function ActivityView(d: ActivityData, r: WidgetRender) {
  if (d.length === 0) return <p class="small muted">Nothing recorded yet.</p>
  return (
    <div class="table-wrap">
      <table>
        <tbody>{d.map((e) => (
          <tr>
            <td class="small nowrap"><Ago ms={e.at} now={r.now} /></td>
            <td class="small">
              <span class="mono" safe>{e.action}</span>{e.result !== 'success' ? <> <span class="badge">{e.result}</span></> : ''}
              <div class="muted"><span safe>{e.actor}</span>{e.resource ? <> · <span safe>{e.resource}</span></> : ''}</div>
            </td>
          </tr>
        ))}</tbody>
      </table>
      <p class="small"><a href="/audit">Audit log</a></p>
    </div>
  )
}

export function OsView(d: OsData, r: WidgetRender) {
  const entries = Object.entries(d.byOs).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return <p class="small muted">No devices yet.</p>
  return (
    <div class="bars">
      {entries.map(([os, n]) => (
        <>
          <a href={`/devices?${q(r, { os })}`} safe>{osLabels[os] ?? os}</a>
          <meter min="0" max={String(d.total)} value={String(n)}></meter>
          <span class="small">{n}</span>
        </>
      ))}
    </div>
  )
}

export function RecentView(d: RecentData, r: WidgetRender) {
  if (d.length === 0) return <p class="small muted">No devices yet. <a href="/devices/add">Add device</a></p>
  return (
    <div class="table-wrap">
      <table>
        <tbody>{d.map((x) => (
          <tr>
            <td><a href={`/devices/${x.id}`} safe>{deviceLabel(x)}</a></td><td safe>{`${osLabels[x.osType] ?? x.osType} · ${x.osVersion}`}</td>
            <td class="small" safe>{x.siteName}</td><td><DeviceStatus id={x.id} status={x.status} /></td><td class="small nowrap">enrolled <Ago ms={x.enrolledAt} now={r.now} /></td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  )
}
