// Agent authentication: `Authorization: BreezeAgent <agentId>.<secret>`. The credential is
// accepted only on agent routes (the user-facing actor plugin does not know this scheme) and
// only for the agent's own id in the URL.
import { AGENT_AUTH_SCHEME } from '../protocol'
import type { AppContext } from '../context'
import { sha256Hex, safeEqual } from '../lib/crypto'
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors'
import { findCredentialByAgentId, type DeviceCredential } from './device-repo'

export type AgentIdentity = DeviceCredential

const headerPattern = new RegExp(`^${AGENT_AUTH_SCHEME}\\s+([A-Za-z0-9-]{1,64})\\.([A-Za-z0-9_-]{16,128})$`)

export function parseAgentCredential(header: string | null): { agentId: string; secret: string } | null {
  const m = header ? headerPattern.exec(header) : null
  return m ? { agentId: m[1], secret: m[2] } : null
}

/** AgentRevokedError tells an agent to stop: its device was decommissioned (re-enroll to come back). */
export class AgentRevokedError extends AppError {
  constructor() { super(403, 'agent_revoked', 'this device was decommissioned; re-enroll the agent to manage it again') }
}

/**
 * authenticateAgent checks the credential and that it belongs to `pathAgentId`.
 * 401: no or wrong credential; 403: the credential of another agent, or a revoked device.
 */
export async function authenticateAgent(ctx: Pick<AppContext, 'db'>, authorization: string | null, pathAgentId: string): Promise<AgentIdentity> {
  const cred = parseAgentCredential(authorization)
  if (!cred) throw new UnauthorizedError(`agent credential required (Authorization: ${AGENT_AUTH_SCHEME} <agentId>.<secret>)`)
  const device = await findCredentialByAgentId(ctx.db, cred.agentId)
  if (!device || !safeEqual(sha256Hex(cred.secret), device.agentSecretHash)) throw new UnauthorizedError('unknown agent or wrong secret')
  if (cred.agentId !== pathAgentId) throw new ForbiddenError('this credential belongs to another agent')
  if (device.status === 'decommissioned') throw new AgentRevokedError()
  return device
}

/** platformOf maps a device's OS and architecture to the agent build it runs. */
export function platformOf(d: { osType: string; architecture: string }): string {
  const os = d.osType === 'macos' ? 'darwin' : d.osType
  const arch = /arm|aarch/i.test(d.architecture) ? 'arm64' : 'x64'
  return `${os}-${arch}`
}
