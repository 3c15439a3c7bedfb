// HTTP calls to the server: enrollment (with the key), and everything else with the agent
// credential. Errors carry the server's status and error code so callers can tell "retry
// later" from "stop: this device was revoked".
import { AGENT_AUTH_SCHEME, type AgentMessageBatch, type EnrollAnswer, type EnrollPollAnswer, type EnrollPollRequest, type EnrollRequest, type HeartbeatRequest, type HeartbeatResponse, type InventoryReport, type InventoryResponse } from '../../src/protocol'
import type { Identity } from '../config'
import { agentVersion } from './version'

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterSeconds: number | null = null) { super(message) }
  /** The server will never accept this agent again as it is (revoked, unknown, cloned). */
  get fatal() { return this.status === 401 || this.code === 'agent_revoked' || this.code === 'clone_suspected' }
}

export function normalizeServerUrl(url: string): string {
  const u = new URL(url)
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('the server URL must start with http:// or https://')
  return u.origin + u.pathname.replace(/\/+$/, '')
}

async function request<T>(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': `breeze-agent/${agentVersion}`, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await res.text()
  let json: any = null
  try { json = JSON.parse(text) } catch {}
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after'))
    throw new ApiError(res.status, json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${res.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null)
  }
  return json as T
}

/** enrollRequest: enrolled at once (200), or `pending` (202) while a technician decides. */
export function enrollRequest(serverUrl: string, body: EnrollRequest): Promise<EnrollAnswer> {
  return request(`${serverUrl}/api/v1/agents/enroll`, body)
}

/** pollEnrollment asks about a pending enrollment: still pending, or approved (rejections are ApiErrors). */
export function pollEnrollment(serverUrl: string, body: EnrollPollRequest): Promise<EnrollPollAnswer> {
  return request(`${serverUrl}/api/v1/agents/enroll/poll`, body)
}

export class ApiClient {
  constructor(private id: Identity) {}

  get authorization() { return `${AGENT_AUTH_SCHEME} ${this.id.agentId}.${this.id.secret}` }

  private post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return request<T>(`${this.id.serverUrl}/api/v1/agents/${this.id.agentId}${path}`, body, { authorization: this.authorization }, timeoutMs)
  }

  heartbeat(body: HeartbeatRequest) { return this.post<HeartbeatResponse>('/heartbeat', body) }
  inventory(report: InventoryReport) { return this.post<InventoryResponse>('/inventory', report, 120_000) }
  messages(batch: AgentMessageBatch) { return this.post<{ ok: true }>('/messages', batch) }
}
