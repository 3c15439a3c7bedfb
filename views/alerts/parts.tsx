// Small pieces shared by the alerting pages: severity and status badges, the section tabs,
// durations, and the names of things an alert points at.
import type { Alert } from '../../src/alerts/alerts-repo'
import type { AlertNames } from '../../src/alerts/alerts'

export const severityList = ['critical', 'high', 'medium', 'low', 'info'] as const
const severityKinds: Record<string, string> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'info', info: '' }
const statusKinds: Record<string, string> = { active: 'bad', acknowledged: 'warn', suppressed: '', resolved: 'ok' }

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge sev-${severity} ${severityKinds[severity] ?? ''}`} safe>{severity}</span>
}

export function AlertStatusBadge({ status, muted }: { status: string; muted?: boolean }) {
  return (
    <>
      <span class={`badge ${statusKinds[status] ?? ''}`} safe>{status}</span>
      {muted ? <span class="badge" title="Grouped under another alert; it does not notify on its own">grouped</span> : ''}
    </>
  )
}

/** AlertTabs: the alerting section's pages. */
export function AlertTabs({ current, can }: { current: 'active' | 'history' | 'rules' | 'templates' | 'maintenance'; can: string[] }) {
  const tabs: [string, string, string][] = [['active', '/alerts', 'Active alerts'], ['history', '/alerts/history', 'History & statistics'], ['rules', '/alerts/rules', 'Rules'], ['templates', '/alerts/templates', 'Templates'], ['maintenance', '/alerts/maintenance', 'Maintenance windows']]
  return (
    <nav class="tabs" aria-label="Alerting">
      {tabs.map(([key, href, label]) => <a href={href} aria-current={key === current ? 'page' : undefined} safe>{label}</a>)}
      {can.includes('notifications:read') ? <a href="/notifications/channels">Channels</a> : ''}
    </nav>
  )
}

/** span renders a duration in ms the way people say it (MTTA, MTTR, how long open). */
export function span(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.round(s / 60)
  if (m < 120) return `${m} min`
  const h = Math.round(m / 60)
  if (h < 72) return `${h} h`
  return `${Math.round(h / 24)} d`
}

/** What the alert is about: device name, site (site alerts), or the channel (channel alerts). */
export function alertSubject(a: Alert, names: AlertNames): string {
  if (a.kind === 'site') return `Site ${names.sites[a.siteId ?? ''] ?? ''}`.trim()
  if (a.kind === 'channel') return 'Notification channel'
  const device = a.deviceId ? names.devices[a.deviceId] ?? 'device' : ''
  return a.subject ? `${device} · ${a.subject}` : device
}

/** valuesText: `value=97, threshold=90` for the timeline and the detail page. */
export function valuesText(values: Record<string, unknown> | null | undefined): string {
  if (!values) return ''
  return Object.entries(values).filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v)}`).join(', ')
}
