// Parsers of what each package manager prints, turned into the protocol's ScannedPatch. Pure
// functions (no process is run here), tested on recorded outputs in ./fixtures.
import { caps, capText } from '../../../src/protocol/limits'
import type { PatchClassification, PatchSeverity, ScannedPatch } from '../../../src/protocol/patching'

const short = (v: string | null | undefined) => capText(v, caps.short)
const name = (v: string | null | undefined) => capText(v, caps.name)

function patch(p: Partial<ScannedPatch> & Pick<ScannedPatch, 'source' | 'externalId' | 'version'>): ScannedPatch {
  return {
    installedVersion: null, severity: 'unknown', classification: 'update', rebootRequired: false, sizeBytes: null,
    releasedAt: null, origin: null, supersedes: [], ...p,
    externalId: name(p.externalId) ?? '?', version: short(p.version) ?? '?',
    title: capText(p.title ?? `${p.externalId} ${p.version}`, caps.long) ?? p.externalId,
  }
}

/**
 * parseAptSimulation reads `apt-get -s dist-upgrade` (or `upgrade`): each `Inst name [old]
 * (new origin, origin [arch])` line of a package already installed is an update; an origin or
 * suite containing "security" (Debian-Security:12/stable-security, Ubuntu:22.04/jammy-security)
 * makes it a security update. Packages newly pulled in (no [old]) are not updates.
 */
export function parseAptSimulation(text: string): ScannedPatch[] {
  const out: ScannedPatch[] = []
  for (const line of text.split(/\r?\n/)) {
    const m = /^Inst (\S+) \[([^\]]+)\] \((\S+) (.*?)\s*\[([^\]]+)\]\)/.exec(line)
    if (!m) continue
    const [, pkg, old, version, origins] = m
    const security = /security/i.test(origins)
    out.push(patch({
      source: 'apt', externalId: pkg, version, installedVersion: old, classification: security ? 'security' : 'update', origin: name(origins),
      // note: apt gives no severity; the kernel and libc family need a reboot to take effect.
      rebootRequired: /^(linux-image|linux-modules|linux-headers|libc6$|systemd$|dbus$)/.test(pkg),
    }))
  }
  return out
}

/** aptLockHeld: apt/dpkg said another process holds its lock (exit 100 with one of these messages). */
export function aptLockHeld(output: string): boolean {
  return /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the )?(administration )?directory|is another process using it|dpkg frontend lock was locked/i.test(output)
}

const dnfSeverity = (s: string | undefined): PatchSeverity => {
  const v = (s ?? '').toLowerCase()
  return v.startsWith('crit') ? 'critical' : v.startsWith('imp') ? 'important' : v.startsWith('mod') ? 'moderate' : v.startsWith('low') ? 'low' : 'unknown'
}
const dnfClass = (s: string | undefined): PatchClassification => {
  const v = (s ?? '').toLowerCase()
  return v.includes('sec') ? 'security' : v.includes('bug') ? 'bugfix' : v.includes('enh') ? 'enhancement' : 'update'
}

/** splitNevra: `kernel-5.14.0-362.24.1.el9_3.x86_64` → name kernel, version 5.14.0-362.24.1.el9_3 (an epoch `1:` is kept). */
export function splitNevra(nevra: string): { name: string; version: string } | null {
  const m = /^(.+)-((?:\d+:)?[^-]+-[^-]+)\.([^.]+)$/.exec(nevra.trim())
  return m ? { name: m[1], version: m[2] } : null
}

/**
 * parseDnfUpdateinfo reads `dnf updateinfo list --updates` (text: `ADVISORY  Severity/Sec.  nevra`)
 * or dnf5's `dnf updateinfo list --json` (an array of { name, type, severity, nevra, buildtime }).
 * One package fixed by several advisories keeps the most severe.
 */
export function parseDnfUpdateinfo(text: string): ScannedPatch[] {
  const rows: { advisory: string; type: string; severity: string; nevra: string; at: number | null }[] = []
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    for (const r of JSON.parse(trimmed) as Record<string, unknown>[]) {
      const at = typeof r.buildtime === 'string' ? Date.parse(r.buildtime.replace(' ', 'T') + 'Z') : NaN
      rows.push({ advisory: String(r.name ?? ''), type: String(r.type ?? ''), severity: String(r.severity ?? ''), nevra: String(r.nevra ?? ''), at: Number.isFinite(at) ? at : null })
    }
  } else {
    for (const line of text.split(/\r?\n/)) {
      const m = /^(\S+)\s+(\S+)\s+(\S+\.(?:x86_64|noarch|i686|aarch64|ppc64le|s390x|src))\s*(?:(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}))?\s*$/.exec(line.trim())
      if (!m || /^(Last metadata|Updating|Repositories)/.test(line)) continue
      const [sev, type] = m[2].includes('/') ? m[2].split('/') : ['', m[2]]
      rows.push({ advisory: m[1], type, severity: sev, nevra: m[3], at: m[4] ? Date.parse(m[4].replace(' ', 'T') + 'Z') : null })
    }
  }
  const order: PatchSeverity[] = ['critical', 'important', 'moderate', 'low', 'unknown']
  const byPkg = new Map<string, ScannedPatch>()
  for (const r of rows) {
    const nv = splitNevra(r.nevra)
    if (!nv) continue
    const p = patch({ source: 'dnf', externalId: nv.name, version: nv.version, title: `${nv.name} ${nv.version} (${r.advisory})`, severity: dnfSeverity(r.severity), classification: dnfClass(r.type), origin: name(r.advisory), releasedAt: r.at, rebootRequired: /^kernel($|-core)/.test(nv.name) })
    const prev = byPkg.get(`${nv.name}@${nv.version}`)
    if (!prev || order.indexOf(p.severity) < order.indexOf(prev.severity) || (prev.classification !== 'security' && p.classification === 'security')) byPkg.set(`${nv.name}@${nv.version}`, p)
  }
  return [...byPkg.values()]
}

/** parseDnfCheckUpdate reads `dnf check-update` (`name.arch  version  repo`): updates without an advisory. */
export function parseDnfCheckUpdate(text: string): ScannedPatch[] {
  const out: ScannedPatch[] = []
  for (const line of text.split(/\r?\n/)) {
    if (/^(Obsoleting|Security:)/.test(line)) break
    const m = /^(\S+)\.(x86_64|noarch|i686|aarch64|ppc64le|s390x)\s+(\S+)\s+(\S+)\s*$/.exec(line)
    if (m) out.push(patch({ source: 'dnf', externalId: m[1], version: m[3], origin: name(m[4]), rebootRequired: /^kernel($|-core)/.test(m[1]) }))
  }
  return out
}

/** One update as the Windows Update script (windows-update.ps1) prints it. */
type WuaUpdate = {
  UpdateID?: string; KBArticleIDs?: string[] | string; Title?: string; MsrcSeverity?: string | null; Categories?: string[] | string; MaxDownloadSize?: number
  RebootRequired?: boolean; LastDeploymentChangeTime?: string | null; SupersededUpdateIDs?: string[] | string; RevisionNumber?: number
}
const arr = (v: string[] | string | undefined | null): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v])

const wuaClass = (cats: string[]): PatchClassification => {
  const c = cats.map((x) => x.toLowerCase())
  return c.includes('security updates') ? 'security' : c.includes('critical updates') ? 'critical' : c.includes('definition updates') ? 'definition'
    : c.includes('drivers') ? 'driver' : c.includes('feature packs') || c.includes('upgrades') ? 'feature_pack' : c.includes('update rollups') || c.includes('updates') || c.includes('service packs') ? 'update' : 'other'
}

/**
 * parseWindowsUpdate reads the JSON the Windows Update Agent script prints (one object, or an
 * array, per update; PowerShell's ConvertTo-Json turns one-element arrays into plain values).
 * The id is the KB (KB5034441), or the update id when there is none (definition updates).
 */
export function parseWindowsUpdate(text: string): ScannedPatch[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim()
  if (!trimmed) return []
  const parsed = JSON.parse(trimmed) as WuaUpdate | WuaUpdate[]
  const list = Array.isArray(parsed) ? parsed : [parsed]
  return list.map((u) => {
    const kb = arr(u.KBArticleIDs)[0]
    const cats = arr(u.Categories)
    const sev = (u.MsrcSeverity ?? '').toLowerCase()
    const date = u.LastDeploymentChangeTime ? Date.parse(u.LastDeploymentChangeTime) : NaN
    return patch({
      source: 'windows_update', externalId: kb ? `KB${kb.replace(/^KB/i, '')}` : String(u.UpdateID ?? '?'), version: String(u.RevisionNumber ?? 1), title: u.Title ?? kb ?? 'Windows update',
      severity: sev === 'critical' ? 'critical' : sev === 'important' ? 'important' : sev === 'moderate' ? 'moderate' : sev === 'low' ? 'low' : 'unknown',
      classification: wuaClass(cats), rebootRequired: !!u.RebootRequired, sizeBytes: typeof u.MaxDownloadSize === 'number' ? Math.round(u.MaxDownloadSize) : null,
      releasedAt: Number.isFinite(date) ? date : null, origin: name(cats.join(', ')), supersedes: arr(u.SupersededUpdateIDs).slice(0, 64).map((x) => short(x) ?? '?'),
    })
  })
}

/**
 * parseSoftwareUpdate reads macOS `softwareupdate --list`: `* Label: X` followed by a tab-indented
 * `Title: …, Version: …, Size: 123456K, Recommended: YES, Action: restart,` line.
 */
export function parseSoftwareUpdate(text: string): ScannedPatch[] {
  const out: ScannedPatch[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const label = /^\s*\*\s*Label:\s*(.+?)\s*$/.exec(lines[i])
    if (!label) continue
    const info = lines[i + 1] ?? ''
    const field = (k: string) => new RegExp(`${k}:\\s*([^,]*)`).exec(info)?.[1]?.trim()
    const size = field('Size')
    const kb = size ? /^(\d+)\s*K(iB)?$/i.exec(size) : null
    const title = field('Title') ?? label[1]
    out.push(patch({
      source: 'softwareupdate', externalId: label[1], version: field('Version') ?? label[1], title,
      rebootRequired: /restart/i.test(field('Action') ?? ''), sizeBytes: kb ? Number(kb[1]) * 1024 : null,
      classification: /security|rapid security response|XProtect|MRT/i.test(title) ? 'security' : /^macOS/.test(title) ? 'update' : 'application',
      severity: field('Recommended') === 'YES' ? 'important' : 'unknown',
    }))
  }
  return out
}

/**
 * parseWingetUpgrade reads the table `winget upgrade` prints (Name, Id, Version, Available,
 * Source), splitting columns at the header's positions (names contain spaces). Progress
 * spinners and the "N upgrades available." footer are skipped.
 */
export function parseWingetUpgrade(text: string): ScannedPatch[] {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^.*\r/, '').replace(/^[\s\-\\|/]+(?=Name\s)/, ''))
  const h = lines.findIndex((l) => /^Name\s+Id\s+Version\s+Available/.test(l))
  if (h < 0) return []
  const header = lines[h]
  const col = (n: string) => header.indexOf(n)
  const [cId, cVer, cAvail, cSrc] = [col('Id'), col('Version'), col('Available'), col('Source')]
  const out: ScannedPatch[] = []
  for (const line of lines.slice(h + 1)) {
    if (/^-+$/.test(line.trim()) || !line.trim()) continue
    if (/^\d+ (upgrades?|package)/i.test(line.trim()) || /explicit targeting/i.test(line)) break
    // note: a long name pushes the row right; winget cuts names with "…" so positions hold.
    const appName = line.slice(0, cId).trim()
    const id = line.slice(cId, cVer).trim()
    const installed = line.slice(cVer, cAvail).trim()
    const available = (cSrc > 0 ? line.slice(cAvail, cSrc) : line.slice(cAvail)).trim()
    if (!id || !available) continue
    out.push(patch({ source: 'winget', externalId: id, version: available, installedVersion: installed || null, title: `${appName} ${available}`, classification: 'application', origin: cSrc > 0 ? name(line.slice(cSrc).trim()) : 'winget' }))
  }
  return out
}
