// Pure checks on URLs an administrator gives (the public URL), shared by config and settings.
import { isIP } from 'node:net'
import { ValidationError } from './errors'

/**
 * normalizePublicUrl checks a public URL as given by an administrator and returns it in the one
 * form links are built from: http(s), a host name or IP, an optional port and path, no
 * credentials, query or fragment, no trailing slash. NB: it is spliced into install scripts;
 * the pattern keeps shell metacharacters out (the scripts also single-quote it).
 */
export function normalizePublicUrl(input: string, field = 'publicUrl'): string {
  const raw = input.trim()
  const bad = () => new ValidationError(field, 'give the URL people and agents reach Breeze at, such as https://rmm.example.com (http or https, no query)')
  let url: URL
  try { url = new URL(raw) } catch { throw bad() }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad()
  if (url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#')) throw bad()
  const out = `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '')
  if (!publicUrlPattern.test(out)) throw bad()
  return out
}

/** The shape every public URL has once normalised (safe inside single quotes in sh and PowerShell). */
export const publicUrlPattern = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/

/** isLoopbackUrl says whether a URL points at this machine only (localhost, 127/8, ::1, 0.0.0.0). */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try { host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '') } catch { return false }
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.') || host === '0.0.0.0'
  if (isIP(host) === 6) return host === '::1' || host === '::' || /^::ffff:(7f[0-9a-f]{2}:|127\.)/.test(host)
  return false
}

