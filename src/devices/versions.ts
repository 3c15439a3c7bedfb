// Version ordering for software packages: dpkg (Debian), rpm (Red Hat, SUSE), Windows
// (dotted numbers) and semver (everything else: snap, flatpak, macOS apps, npm…). Each
// version becomes a sort key whose plain byte order is the version order of its scheme, so
// the database compares versions with `<`/`>` on an indexed text column: no per-row code.
// The key starts with one letter naming its scheme; keys of different schemes never compare.
//
// Key alphabet (code points, so UTF-8 byte order keeps it): ranks below '0' are structure,
// '0'..'9' are digits of length-prefixed numbers, letters sort as themselves, and other
// characters are shifted above every letter (dpkg sorts them after letters).

export type VersionScheme = 'dpkg' | 'rpm' | 'windows' | 'semver'
export const versionSchemes: readonly VersionScheme[] = ['dpkg', 'rpm', 'windows', 'semver']
const schemeLetter: Record<VersionScheme, string> = { dpkg: 'd', rpm: 'r', windows: 'w', semver: 's' }

/** schemeOf picks the ordering for a package by where the agent found it. */
export function schemeOf(source: string | null | undefined): VersionScheme {
  switch ((source ?? '').toLowerCase()) {
    case 'dpkg': case 'apt': case 'deb': return 'dpkg'
    case 'rpm': case 'dnf': case 'yum': case 'zypper': return 'rpm'
    case 'registry': case 'msi': case 'windows': case 'winget': case 'appx': case 'choco': return 'windows'
    default: return 'semver'
  }
}

const maxDigits = 60
/** num encodes a digit run as its length (one character) and its digits, leading zeros dropped. */
function num(digits: string): string {
  const d = digits.replace(/^0+/, '').slice(0, maxDigits)
  return String.fromCodePoint(0x30 + d.length) + d
}
const isDigit = (c: string) => c >= '0' && c <= '9'
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')

/** dpkgKey follows dpkg's verrevcmp: epoch, upstream version, Debian revision. */
function dpkgKey(v: string): string {
  let epoch = '0'
  let rest = v.trim()
  const colon = rest.indexOf(':')
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) { epoch = rest.slice(0, colon); rest = rest.slice(colon + 1) }
  const dash = rest.lastIndexOf('-')
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest
  const revision = dash >= 0 ? rest.slice(dash + 1) : ''
  // '~' < end of a non-digit run ('"') < letters < everything else; a number follows each run.
  const part = (s: string) => {
    let out = ''
    let i = 0
    while (i < s.length) {
      while (i < s.length && !isDigit(s[i])) {
        const c = s[i++]
        out += c === '~' ? '!' : isAlpha(c) ? c : String.fromCodePoint(0x100 + c.charCodeAt(0))
      }
      out += '"'
      let j = i
      while (j < s.length && isDigit(s[j])) j++
      out += num(s.slice(i, j))
      i = j
    }
    return out + '"'
  }
  return num(epoch) + part(upstream) + '#' + part(revision)
}

/**
 * rpmKey follows rpmvercmp: alphanumeric segments (separators ignored), numbers above words,
 * '~' below everything (even the end), '^' above the end but below any further segment.
 */
function rpmLike(s: string, tilde: boolean): string {
  let out = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]
    if (tilde && c === '~') { out += '!'; i++; continue }
    if (tilde && c === '^') { out += '$'; i++; continue }
    if (isDigit(c)) {
      let j = i
      while (j < s.length && isDigit(s[j])) j++
      out += '&' + num(s.slice(i, j))
      i = j
    } else if (isAlpha(c)) {
      let j = i
      while (j < s.length && isAlpha(s[j])) j++
      out += '%' + s.slice(i, j) + ' '
      i = j
    } else i++
  }
  return out + '#'
}

function rpmKey(v: string): string {
  let epoch = '0'
  let rest = v.trim()
  const colon = rest.indexOf(':')
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) { epoch = rest.slice(0, colon); rest = rest.slice(colon + 1) }
  const dash = rest.lastIndexOf('-')
  return num(epoch) + rpmLike(dash >= 0 ? rest.slice(0, dash) : rest, true) + rpmLike(dash >= 0 ? rest.slice(dash + 1) : '', true)
}

/** windowsKey: dotted numbers compared as numbers (10.0.19045.4291 < 10.0.22631.3296); words between them as words. */
function windowsKey(v: string): string {
  return rpmLike(v.trim(), false)
}

const semverRe = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * semverKey: major.minor.patch (missing parts are 0), a pre-release below its release, its
 * identifiers numeric (as numbers, below words) or words (ASCII order), fewer below more.
 * Text that is not semver sorts by the rpm-style segment rule instead (after every semver key).
 */
function semverKey(v: string): string {
  const m = semverRe.exec(v.trim())
  if (!m) return '~' + rpmLike(v.trim(), false)
  let out = num(m[1]) + num(m[2] ?? '0') + num(m[3] ?? '0')
  if (m[4] === undefined) return out + '}'
  out += '!'
  for (const id of m[4].split('.')) out += /^\d+$/.test(id) ? '#' + num(id) : '$' + id + ' '
  return out + '"'
}

/** versionKey is the sort key of `version` under `scheme` (scheme letter first). */
export function versionKey(version: string, scheme: VersionScheme): string {
  const body = scheme === 'dpkg' ? dpkgKey(version) : scheme === 'rpm' ? rpmKey(version) : scheme === 'windows' ? windowsKey(version) : semverKey(version)
  return schemeLetter[scheme] + body
}

/** packageVersionKey is the stored key of a package (null without a version). */
export function packageVersionKey(version: string | null, source: string | null): string | null {
  return version === null || version.trim() === '' ? null : versionKey(version, schemeOf(source))
}

/** schemeRange: every key of `scheme` lies strictly between these two strings. */
export function schemeRange(scheme: VersionScheme): [string, string] {
  const l = schemeLetter[scheme]
  return [l, String.fromCharCode(l.charCodeAt(0) + 1)]
}

/** compareVersions compares two versions of one scheme (-1, 0, 1), for code that sorts in memory. */
export function compareVersions(a: string, b: string, scheme: VersionScheme): number {
  const ka = versionKey(a, scheme)
  const kb = versionKey(b, scheme)
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
