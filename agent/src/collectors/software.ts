// Installed software. Linux: dpkg, rpm, snap, flatpak. macOS: applications (system_profiler)
// and installer receipts (pkgutil). Windows: the registry's uninstall keys.
import { capText, caps, type SoftwareEntry } from '../../../src/protocol'
import { run } from './exec'

const entry = (name: unknown, version: unknown, publisher: unknown, installDate: string | null, source: string, installLocation: unknown = null): SoftwareEntry | null => {
  const n = capText(name, caps.name)
  return n ? { name: n, version: capText(version, caps.short), publisher: capText(publisher, caps.name), installDate, installLocation: capText(installLocation, caps.long), source } : null
}

const isoDay = (ms: number) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString().slice(0, 10) : null)

async function linux(): Promise<(SoftwareEntry | null)[]> {
  const out: (SoftwareEntry | null)[] = []
  const dpkg = await run('dpkg-query', ['-W', '-f=${Package}\t${Version}\t${Maintainer}\t${db-fsys:Last-Modified}\t${Status}\n'])
  for (const line of dpkg?.split('\n') ?? []) {
    const [name, version, maintainer, modified, status] = line.split('\t')
    if (name && status?.endsWith(' installed')) out.push(entry(name, version, maintainer?.replace(/\s*<[^>]*>/, ''), isoDay(Number(modified) * 1000), 'dpkg'))
  }
  const rpm = await run('rpm', ['-qa', '--queryformat', '%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{INSTALLTIME}\n'])
  for (const line of rpm?.split('\n') ?? []) {
    const [name, version, vendor, time] = line.split('\t')
    if (name && name !== 'gpg-pubkey') out.push(entry(name, version, vendor === '(none)' ? null : vendor, isoDay(Number(time) * 1000), 'rpm'))
  }
  const snap = await run('snap', ['list'])
  for (const line of snap?.split('\n').slice(1) ?? []) {
    const [name, version, , , publisher] = line.trim().split(/\s+/)
    if (name) out.push(entry(name, version, publisher?.replace(/\*$|✓$/, ''), null, 'snap'))
  }
  const flatpak = await run('flatpak', ['list', '--app', '--columns=application,version,origin'])
  for (const line of flatpak?.split('\n') ?? []) {
    const [name, version, origin] = line.split('\t')
    if (name) out.push(entry(name, version, origin, null, 'flatpak'))
  }
  return out
}

async function macos(): Promise<(SoftwareEntry | null)[]> {
  const out: (SoftwareEntry | null)[] = []
  const json = await run('system_profiler', ['SPApplicationsDataType', '-json', '-detailLevel', 'mini'], 180_000)
  try {
    const apps = (JSON.parse(json ?? '{}').SPApplicationsDataType ?? []) as { _name: string; version?: string; obtained_from?: string; lastModified?: string; path?: string }[]
    for (const a of apps) out.push(entry(a._name, a.version, a.obtained_from, a.lastModified ? isoDay(Date.parse(a.lastModified)) : null, 'app', a.path))
  } catch {}
  const pkgs = await run('pkgutil', ['--pkgs'])
  for (const id of pkgs?.split('\n').filter(Boolean).slice(0, 2000) ?? []) {
    const info = await run('pkgutil', ['--pkg-info', id], 10_000)
    const field = (k: string) => info?.match(new RegExp(`^${k}: (.*)$`, 'm'))?.[1] ?? null
    const time = Number(field('install-time'))
    out.push(entry(id, field('version'), null, isoDay(time * 1000), 'pkgutil', field('location')))
  }
  return out
}

async function windows(): Promise<(SoftwareEntry | null)[]> {
  const out: (SoftwareEntry | null)[] = []
  const roots = ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall', 'HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall']
  for (const root of roots) {
    const text = await run('reg', ['query', root, '/s'], 120_000)
    for (const block of text?.split(/\r?\n\r?\n/) ?? []) {
      const value = (k: string) => block.match(new RegExp(`^\\s+${k}\\s+REG_\\w+\\s+(.*)$`, 'm'))?.[1]?.trim() ?? null
      if (value('SystemComponent') === '0x1' || value('ParentKeyName')) continue
      const d = value('InstallDate')
      const date = d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : null
      out.push(entry(value('DisplayName'), value('DisplayVersion'), value('Publisher'), date, 'registry', value('InstallLocation')))
    }
  }
  return out
}

/** collectSoftware lists installed software, de-duplicated, sorted, within the protocol's cap. */
export async function collectSoftware(): Promise<SoftwareEntry[]> {
  const list = process.platform === 'linux' ? await linux() : process.platform === 'darwin' ? await macos() : await windows()
  const seen = new Set<string>()
  return list.filter((e): e is SoftwareEntry => !!e)
    .filter((e) => { const k = `${e.source}|${e.name}|${e.version}`; return !seen.has(k) && !!seen.add(k) })
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, caps.software)
}
