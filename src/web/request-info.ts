// Facts about the request that several layers need: client address, scheme, own origin.
import type { Config } from '../config'

export type RequestInfo = {
  ip: string | null
  userAgent: string | null
  /** Served over HTTPS (directly or, with BREEZE_TRUST_PROXY, behind a TLS proxy). */
  secure: boolean
  /**
   * scheme://host[:port] this request was addressed to, from its Host header: for comparing with
   * Origin only. NB: never build a link from it (anyone can forge Host); see settings/public-url.ts.
   */
  origin: string
  path: string
  /** Requests under /api/ (and agent sockets under /ws/) get JSON errors; everything else gets pages. */
  api: boolean
}

export function requestInfo(config: Config, request: Request, peerIp: string | null): RequestInfo {
  const url = new URL(request.url)
  const h = request.headers
  const forwardedProto = config.trustProxy ? h.get('x-forwarded-proto')?.split(',')[0].trim() : undefined
  const forwardedHost = config.trustProxy ? h.get('x-forwarded-host')?.split(',')[0].trim() : undefined
  // note: the last address is the one the trusted proxy saw; earlier ones are whatever the
  // client wrote into the header, so taking the first let anyone pick the address that
  // per-address limits count (sign-in, enrollment) by.
  const forwardedFor = config.trustProxy ? h.get('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined
  const scheme = forwardedProto ?? url.protocol.replace(':', '')
  const host = forwardedHost ?? h.get('host') ?? url.host
  return {
    ip: forwardedFor || peerIp,
    userAgent: h.get('user-agent'),
    secure: scheme === 'https',
    origin: `${scheme}://${host}`,
    path: url.pathname,
    api: url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/'),
  }
}
