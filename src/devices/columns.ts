// The columns of the device list: what the columns chooser offers, what the CSV export writes,
// and which sort each one uses. One definition for the page and the export.
import type { DeviceListRow, DeviceSort } from './repo'

export type DeviceColumn = { key: string; label: string; sort?: DeviceSort; csv: (d: DeviceListRow) => unknown }

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : '')

export const deviceColumns: DeviceColumn[] = [
  { key: 'name', label: 'Name', sort: 'name', csv: (d) => d.displayName || d.hostname },
  { key: 'hostname', label: 'Hostname', csv: (d) => d.hostname },
  { key: 'status', label: 'Status', sort: 'status', csv: (d) => d.status },
  { key: 'os', label: 'Operating system', sort: 'os', csv: (d) => d.osVersion },
  { key: 'org', label: 'Organization', sort: 'org', csv: (d) => d.orgName },
  { key: 'site', label: 'Site', sort: 'site', csv: (d) => d.siteName },
  { key: 'lastSeen', label: 'Last seen', sort: 'lastSeen', csv: (d) => iso(d.lastSeenAt) },
  { key: 'lastUser', label: 'Last user', csv: (d) => d.lastUser },
  { key: 'publicIp', label: 'Public IP', csv: (d) => d.publicIp },
  { key: 'cpu', label: 'CPU %', sort: 'cpu', csv: (d) => d.cpuPercent },
  { key: 'ram', label: 'RAM %', sort: 'ram', csv: (d) => d.ramPercent },
  { key: 'disk', label: 'Disk %', sort: 'disk', csv: (d) => d.diskPercent },
  { key: 'tags', label: 'Tags', csv: (d) => d.tags.join(' ') },
  { key: 'agent', label: 'Agent', sort: 'agent', csv: (d) => d.agentVersion },
  { key: 'enrolled', label: 'Enrolled', sort: 'enrolled', csv: (d) => iso(d.enrolledAt) },
]

export const defaultColumns = ['name', 'status', 'os', 'site', 'lastSeen', 'lastUser', 'cpu', 'ram', 'disk', 'tags']

/** chosenColumns reads the columns chooser's cookie value (comma-separated keys), falling back to the defaults. */
export function chosenColumns(value: unknown): string[] {
  const known = new Set(deviceColumns.map((c) => c.key))
  const keys = typeof value === 'string' ? value.split(',').filter((k) => known.has(k)) : []
  const list = keys.length ? keys : defaultColumns
  return list.includes('name') ? list : ['name', ...list]
}
