// Small pieces shared by the device pages: status badges that live updates can rewrite, OS
// labels, usage meters, relative times, byte sizes.
import type { Device } from '../../src/devices/repo'

export const osLabels: Record<string, string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' }
export const statusLabels: Record<string, string> = { online: 'Online', offline: 'Offline', maintenance: 'Maintenance', decommissioned: 'Decommissioned' }
const statusKinds: Record<string, string> = { online: 'ok', offline: 'bad', maintenance: 'warn', decommissioned: '' }

/** DeviceStatus is a badge that static/js/devices.js rewrites when a live status update arrives. */
export function DeviceStatus({ id, status }: { id: string; status: string }) {
  return <span class={`badge ${statusKinds[status] ?? ''}`} data-status-for={id} safe>{statusLabels[status] ?? status}</span>
}

/** deviceLabel: display name, else hostname. */
export function deviceLabel(d: Pick<Device, 'displayName' | 'hostname'>): string {
  return d.displayName || d.hostname
}

/** Ago renders "5 min ago" for an instant, with the exact time as a tooltip; devices.js refreshes live ones. */
export function Ago({ ms, now, id }: { ms: number | null | undefined; now: number; id?: string }) {
  if (!ms) return <span class="muted" data-seen-for={id}>never</span>
  const iso = new Date(ms).toISOString()
  return <time datetime={iso} title={iso.slice(0, 19).replace('T', ' ') + ' UTC'} data-seen-for={id} safe>{agoText(now - ms)}</time>
}

export function agoText(diff: number): string {
  const s = Math.max(0, Math.round(diff / 1000))
  if (s < 60) return 'just now'
  const m = Math.round(s / 60)
  if (m < 60) return `${m} min ago`
  const h = Math.round(m / 60)
  if (h < 48) return `${h} h ago`
  return `${Math.round(h / 24)} days ago`
}

/** Meter is a percentage with a native <meter> bar (CPU, RAM, disk): amber from 75 %, red from 90 %. */
export function Meter({ value }: { value: number | null | undefined }) {
  if (value === null || value === undefined) return <span class="muted">—</span>
  return (
    <span class="meter" title={`${value}%`}>
      <meter min="0" max="100" low="75" high="90" optimum="0" value={String(value)}></meter>
      <span class="meter-value">{value}%</span>
    </span>
  )
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
}

export function duration(ms: number): string {
  const m = Math.floor(ms / 60_000)
  const d = Math.floor(m / 1440)
  const h = Math.floor((m % 1440) / 60)
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m % 60} min` : `${m} min`
}

export function Tags({ tags, link }: { tags: string[]; link?: boolean }) {
  if (tags.length === 0) return <span class="muted">—</span>
  return <span class="tags">{tags.map((t) => (link ? <a class="badge" href={`/devices?tag=${encodeURIComponent(t)}`} safe>{t}</a> : <span class="badge" safe>{t}</span>))}</span>
}

/** The maintenance durations offered by forms (minutes; "" = until turned off). */
export const maintenanceChoices = [
  { value: '60', label: '1 hour' }, { value: '240', label: '4 hours' }, { value: '1440', label: '24 hours' }, { value: '', label: 'Until turned off' },
]

export function MaintenanceDurationOptions({ selected }: { selected?: string }) {
  return <>{maintenanceChoices.map((c) => <option value={c.value} selected={c.value === (selected ?? '60')} safe>{c.label}</option>)}</>
}
