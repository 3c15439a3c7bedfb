// Outbound HTTP(S) to URLs that users give: notification channels today, uptime monitors and
// integrations later. Every such request goes through outboundFetch, which
//   1. resolves the host name itself and checks the addresses it resolves to: loopback,
//      link-local (169.254.169.254 metadata), unspecified, multicast, broadcast and reserved
//      ranges are refused unless a platform administrator listed that exact address; private
//      ranges (RFC 1918, IPv6 ULA, CGNAT 100.64/10) unless they allowed private ranges;
//      IPv4 addresses hidden in IPv6 (::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16,
//      IPv4-compatible ::a.b.c.d) are judged by the IPv4 address inside;
//   2. connects to the address it checked (the URL is rewritten to the IP; Host and TLS SNI
//      and certificate checks keep the name), so a second DNS answer cannot rebind it;
//   3. re-checks every redirect hop the same way (or refuses redirects: maxRedirects 0);
//   4. caps the time of the whole exchange and the bytes of the answer it reads.
// Nothing is sent to a refused address: the refusal happens before a socket is opened.
// note: HTTP(S)_PROXY is not used for these requests; a proxy would connect on our behalf to
// an address this guard never saw.
import { lookup } from 'node:dns/promises'
import ipaddr from 'ipaddr.js'

/** What a platform administrator allows beyond public addresses (Settings → Outbound requests). */
export type OutboundPolicy = {
  /** Private ranges (RFC 1918, IPv6 ULA fc00::/7, CGNAT 100.64/10): home labs run ntfy or Gotify on the LAN. */
  allowPrivate: boolean
  /** Exact addresses allowed whatever their range (e.g. 127.0.0.1 for a relay on the server itself). */
  allowAddresses: string[]
}

export const strictPolicy: OutboundPolicy = { allowPrivate: false, allowAddresses: [] }

/** Resolver returns every address a host name resolves to (injectable for tests). */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address)

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved'

export class OutboundRefusedError extends Error {
  constructor(message: string, readonly reason: 'scheme' | 'address' | 'resolve' | 'redirect' | 'credentials') { super(message) }
}

const v4Public = new Set(['unicast', 'as112', 'amt'])
const v4Private = new Set(['private', 'carrierGradeNat'])

/** embeddedIPv4 is the IPv4 address an IPv6 address carries (mapped, translated, NAT64, 6to4, compatible), if any. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = v6.parts
  const tail = () => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff])
  switch (v6.range()) {
    case 'ipv4Mapped': case 'rfc6145': return tail()
    case 'rfc6052': return p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 ? tail() : null
    case '6to4': return new ipaddr.IPv4([p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff])
  }
  // IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it).
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return tail()
  return null
}

/** normalizeAddress returns an IP literal in one spelling (IPv4 dotted, IPv6 compressed lower case), or null. */
export function normalizeAddress(input: string): string | null {
  const text = input.trim().replace(/^\[|\]$/g, '')
  if (!(ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text)) || text.includes('%')) return null
  try {
    const addr = ipaddr.parse(text)
    return addr.kind() === 'ipv4' ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String()
  } catch {
    return null
  }
}

/**
 * classifyAddress names the range of an IP address. An IPv6 address that carries an IPv4
 * address is classified by that address (and `effective` is it).
 */
export function classifyAddress(ip: string): { cls: AddressClass; effective: string } {
  const addr = ipaddr.parse(ip.replace(/^\[|\]$/g, ''))
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6
    const v4 = embeddedIPv4(v6)
    if (v4) return classifyAddress(v4.toString())
    // note: the type lists fewer ranges than the library knows (deprecatedSiteLocal fec0::/10).
    const range: string = v6.range()
    const effective = v6.toRFC5952String()
    if (range === 'unicast') return { cls: 'public', effective }
    if (range === 'uniqueLocal' || range === 'deprecatedSiteLocal') return { cls: 'private', effective }
    if (range === 'rfc6052') return { cls: 'private', effective } // 64:ff9b:1::/48, local-use NAT64
    if (range === 'loopback') return { cls: 'loopback', effective }
    if (range === 'linkLocal') return { cls: 'link-local', effective }
    if (range === 'unspecified') return { cls: 'unspecified', effective }
    if (range === 'multicast') return { cls: 'multicast', effective }
    return { cls: 'reserved', effective }
  }
  const range = (addr as ipaddr.IPv4).range()
  const effective = addr.toString()
  if (v4Public.has(range)) return { cls: 'public', effective }
  if (v4Private.has(range)) return { cls: 'private', effective }
  if (range === 'loopback') return { cls: 'loopback', effective }
  if (range === 'linkLocal') return { cls: 'link-local', effective }
  if (range === 'unspecified') return { cls: 'unspecified', effective }
  if (range === 'multicast') return { cls: 'multicast', effective }
  if (range === 'broadcast') return { cls: 'broadcast', effective }
  return { cls: 'reserved', effective }
}

const classWords: Record<Exclude<AddressClass, 'public'>, string> = {
  private: 'a private-network address', loopback: 'a loopback address (this server itself)', 'link-local': 'a link-local address (such as the cloud metadata service)',
  unspecified: 'the unspecified address', multicast: 'a multicast address', broadcast: 'the broadcast address', reserved: 'a reserved address',
}

/** addressAllowed says whether the policy lets a request go to `ip`, and why not. */
export function addressAllowed(ip: string, policy: OutboundPolicy): { ok: true } | { ok: false; why: string } {
  const { cls, effective } = classifyAddress(ip)
  const listed = policy.allowAddresses.some((a) => { const n = normalizeAddress(a); return n !== null && (n === effective || n === normalizeAddress(ip)) })
  if (cls === 'public' || listed) return { ok: true }
  if (cls === 'private' && policy.allowPrivate) return { ok: true }
  const hint = cls === 'private'
    ? 'a platform administrator can allow private networks under Settings → Outbound requests'
    : 'a platform administrator can allow this exact address under Settings → Outbound requests'
  return { ok: false, why: `${effective} is ${classWords[cls as Exclude<AddressClass, 'public'>]}; ${hint}` }
}

export type CheckedTarget = { url: URL; address: string }

/**
 * checkTarget resolves a URL's host and checks every address; returns the one to connect to.
 * Throws OutboundRefusedError before anything is sent.
 */
export async function checkTarget(input: string | URL, policy: OutboundPolicy, resolve: Resolver = systemResolver): Promise<CheckedTarget> {
  let url: URL
  try { url = new URL(input) } catch { throw new OutboundRefusedError('not a valid URL', 'scheme') }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError(`only http and https URLs are allowed, not ${url.protocol}`, 'scheme')
  if (url.username || url.password) throw new OutboundRefusedError('URLs with a user name or password are not allowed; use the channel\'s token field', 'credentials')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (ipaddr.isValid(host)) addresses = [host]
  else {
    try {
      addresses = await resolve(host.replace(/\.$/, ''))
    } catch {
      throw new OutboundRefusedError(`the host name ${host} does not resolve`, 'resolve')
    }
    if (addresses.length === 0) throw new OutboundRefusedError(`the host name ${host} does not resolve`, 'resolve')
  }
  // The first allowed answer is the one connected to (and only it: the request is pinned to
  // it), so a name answering [public, 127.0.0.1] reaches the public one or nothing.
  let refusal: string | null = null
  for (const address of addresses) {
    if (!ipaddr.isValid(address)) continue
    const verdict = addressAllowed(address, policy)
    if (verdict.ok) return { url, address: normalizeAddress(address) ?? address }
    refusal ??= verdict.why
  }
  throw new OutboundRefusedError(`refused to connect to ${host}: ${refusal ?? 'it resolved to no usable address'}`, 'address')
}

export type OutboundOptions = {
  policy: OutboundPolicy
  resolve?: Resolver
  /** The whole exchange, redirects included (default 10 s). */
  timeoutMs?: number
  /** Bytes of the answer read at most (default 64 KiB); the rest is dropped. */
  maxBytes?: number
  /** Redirects followed, each checked like the first URL (default 0: a redirect is the answer). */
  maxRedirects?: number
  /** Extra TLS trust (a private CA); the certificate is still checked against the host name. */
  ca?: string
}

export type OutboundResponse = {
  status: number
  ok: boolean
  headers: Headers
  /** The first maxBytes of the answer. */
  body: Uint8Array
  truncated: boolean
  /** Where the answer came from (after redirects). */
  url: string
}

export type OutboundInit = { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }

const redirectStatuses = new Set([301, 302, 303, 307, 308])
/** Headers that survive a redirect to another origin (credentials never do). */
const crossOriginSafe = new Set(['accept', 'user-agent', 'content-type'])

/** outboundFetch makes one guarded request (see the top of this file). */
export async function outboundFetch(input: string, init: OutboundInit, opts: OutboundOptions): Promise<OutboundResponse> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const maxBytes = opts.maxBytes ?? 64 * 1024
  const signal = AbortSignal.timeout(timeoutMs)
  const resolve: Resolver = (host) => raceAbort(signal, (opts.resolve ?? systemResolver)(host))
  let current = input
  let method = (init.method ?? 'GET').toUpperCase()
  let headers: Record<string, string> = { ...init.headers }
  let body = init.body
  for (let hop = 0; ; hop++) {
    const target = await checkTarget(current, opts.policy, resolve)
    const res = await pinnedFetch(target, { method, headers, body }, signal, opts.ca)
    const location = res.headers.get('location')
    if (redirectStatuses.has(res.status) && location && hop < (opts.maxRedirects ?? 0)) {
      await res.body?.cancel().catch(() => {})
      let next: URL
      try { next = new URL(location, target.url) } catch { throw new OutboundRefusedError('the redirect points to an invalid URL', 'redirect') }
      if (next.origin !== target.url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => crossOriginSafe.has(k.toLowerCase())))
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET'
        body = undefined
        delete headers['content-type']
      }
      current = next.toString()
      continue
    }
    const { bytes, truncated } = await readCapped(res, maxBytes)
    return { status: res.status, ok: res.ok, headers: res.headers, body: bytes, truncated, url: target.url.toString() }
  }
}

/** pinnedFetch sends the request to the checked address, keeping the name for Host, SNI and the certificate check. */
function pinnedFetch(target: CheckedTarget, init: OutboundInit, signal: AbortSignal, ca?: string): Promise<Response> {
  const { url, address } = target
  const pinned = new URL(url)
  pinned.hostname = address.includes(':') ? `[${address}]` : address
  const name = url.hostname.replace(/^\[|\]$/g, '')
  const headers = { ...init.headers, host: url.host }
  const tls = url.protocol === 'https:' ? { serverName: ipaddr.isValid(name) ? undefined : name, ...(ca ? { ca } : {}) } : undefined
  return fetch(pinned, { method: init.method, headers, body: init.body, redirect: 'manual', signal, proxy: false, tls } as RequestInit)
}

async function readCapped(res: Response, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!res.body || maxBytes <= 0) {
    await res.body?.cancel().catch(() => {})
    return { bytes: new Uint8Array(0), truncated: !!res.body }
  }
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    const room = maxBytes - size
    if (value.length > room) {
      chunks.push(value.subarray(0, room))
      size += room
      truncated = true
      await reader.cancel().catch(() => {})
      break
    }
    chunks.push(value)
    size += value.length
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const c of chunks) { bytes.set(c, at); at += c.length }
  return { bytes, truncated }
}

function raceAbort<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v) }, (e) => { signal.removeEventListener('abort', onAbort); reject(e) })
  })
}
