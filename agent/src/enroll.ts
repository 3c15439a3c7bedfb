// `breeze-agent enroll`: present the enrollment key and this machine's identity, store the
// answer (agent id, secret, pinned server key) in the config directory, owner-only.
//
// A machine that is already a device of the organization may have to wait for a technician's
// approval: the server answers `pending` with a request token. The token is kept in
// pending.json (owner-only) and the agent polls until the request is approved (the token then
// is its agent secret), rejected or expired. `enroll` waits (saying so every minute), and
// `run` (the service) picks a pending enrollment up and waits too, so an installer that
// returns early still ends with a working agent once someone approves.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { PROTOCOL_VERSION, type EnrollPending, type EnrollRequest } from '../../src/protocol'
import { loadIdentity, saveIdentity, ensureConfigDir, writePrivate, type Identity } from '../config'
import { ApiError, enrollRequest, normalizeServerUrl, pollEnrollment } from './api'
import { hardwareId, osBasics, platform } from './collectors/identity'
import { agentVersion } from './version'

/** A pending enrollment, as kept in pending.json until it is decided. */
export type PendingEnrollment = { serverUrl: string; requestId: string; requestToken: string; pollSeconds: number; expiresAt: number; message: string; requestedAt: number }

export type EnrollOutcome =
  | { state: 'enrolled'; identity: Identity; reattached: boolean; clone: boolean }
  | { state: 'pending'; pending: PendingEnrollment }

const pendingFile = (dir: string) => path.join(dir, 'pending.json')

export function loadPending(dir: string): PendingEnrollment | null {
  try { return existsSync(pendingFile(dir)) ? JSON.parse(readFileSync(pendingFile(dir), 'utf8')) as PendingEnrollment : null } catch { return null }
}

function savePending(dir: string, p: PendingEnrollment) {
  ensureConfigDir(dir)
  writePrivate(pendingFile(dir), JSON.stringify(p, null, 2) + '\n')
}

export function clearPending(dir: string) {
  rmSync(pendingFile(dir), { force: true })
}

/** The refusals after which waiting longer is pointless (rejected, expired, unknown request). */
export function decidedAgainst(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === 'enrollment_rejected' || err.code === 'enrollment_expired' || err.code === 'enrollment_request_unknown')
}

/** enroll sends the enrollment; when it must wait for approval it waits up to `waitUntil` (epoch ms; 0 = not at all). */
export async function enroll(server: string, key: string, configDir: string, opts: { waitUntil?: number; say?: (line: string) => void; signal?: AbortSignal } = {}): Promise<EnrollOutcome> {
  const serverUrl = normalizeServerUrl(server)
  const os = await osBasics()
  const body: EnrollRequest = {
    enrollmentKey: key.trim(), hostname: os.hostname, osType: os.osType, osVersion: os.osVersion, osBuild: os.osBuild, architecture: os.architecture,
    platform, agentVersion, protocolVersion: PROTOCOL_VERSION, hardwareId: await hardwareId(),
  }
  // The credential of this machine's current enrollment with the same server proves it is that device's own agent.
  const current = loadIdentity(configDir)
  if (current && current.serverUrl === serverUrl) body.currentCredential = { agentId: current.agentId, secret: current.secret }
  const answer = await enrollRequest(serverUrl, body)
  if (answer.status === 'enrolled') {
    const identity: Identity = {
      serverUrl, deviceId: answer.deviceId, agentId: answer.agentId, secret: answer.agentSecret, serverPublicKey: answer.serverPublicKey,
      heartbeatSeconds: answer.heartbeatSeconds, orgId: answer.orgId, siteId: answer.siteId, enrolledAt: Date.now(),
    }
    saveIdentity(configDir, identity)
    clearPending(configDir)
    return { state: 'enrolled', identity, reattached: answer.reattached, clone: !!answer.clone }
  }
  const pending = pendingFrom(serverUrl, answer)
  savePending(configDir, pending)
  opts.say?.(`Waiting for approval: ${answer.message}.`)
  if (!opts.waitUntil) return { state: 'pending', pending }
  return waitForApproval(configDir, pending, { until: opts.waitUntil, say: opts.say, signal: opts.signal })
}

function pendingFrom(serverUrl: string, a: EnrollPending): PendingEnrollment {
  if (!a.requestToken) throw new Error('the server answered "pending" without a request token')
  return { serverUrl, requestId: a.requestId, requestToken: a.requestToken, pollSeconds: a.pollSeconds, expiresAt: a.expiresAt, message: a.message, requestedAt: Date.now() }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
})

/**
 * waitForApproval polls a pending enrollment every `pollSeconds` (jittered) until it is
 * approved (the identity is saved: the request token is the secret), or `until` passes
 * (state `pending`), or the signal aborts. Rejected, expired and unknown requests throw (and
 * pending.json is removed); network errors and server trouble are retried.
 */
export async function waitForApproval(configDir: string, pending: PendingEnrollment, opts: { until: number; say?: (line: string) => void; signal?: AbortSignal }): Promise<EnrollOutcome> {
  let lastSaid = Date.now()
  let failures = 0
  for (;;) {
    const now = Date.now()
    if (now >= opts.until || opts.signal?.aborted) return { state: 'pending', pending }
    const base = (failures === 0 ? pending.pollSeconds : Math.min(300, pending.pollSeconds * 2 ** Math.min(failures, 5))) * 1000
    await sleep(Math.min(base * (0.8 + Math.random() * 0.4), Math.max(0, opts.until - now)), opts.signal)
    if (opts.signal?.aborted) return { state: 'pending', pending }
    try {
      const answer = await pollEnrollment(pending.serverUrl, { requestId: pending.requestId, requestToken: pending.requestToken })
      failures = 0
      if (answer.status === 'enrolled') {
        const identity: Identity = {
          serverUrl: pending.serverUrl, deviceId: answer.deviceId, agentId: answer.agentId, secret: pending.requestToken, serverPublicKey: answer.serverPublicKey,
          heartbeatSeconds: answer.heartbeatSeconds, orgId: answer.orgId, siteId: answer.siteId, enrolledAt: Date.now(),
        }
        saveIdentity(configDir, identity)
        clearPending(configDir)
        opts.say?.(`Approved: ${answer.clone ? 'enrolled as a separate device' : answer.reattached ? 'this agent took over the device' : 'enrolled'} ${answer.deviceId}.`)
        return { state: 'enrolled', identity, reattached: answer.reattached, clone: !!answer.clone }
      }
      pending.pollSeconds = answer.pollSeconds
      if (Date.now() - lastSaid >= 60_000) {
        lastSaid = Date.now()
        opts.say?.(`Still waiting for a technician to approve this enrollment (request ${pending.requestId.slice(-8)}; it expires at ${new Date(answer.expiresAt).toISOString()}).`)
      }
    } catch (err) {
      if (decidedAgainst(err)) {
        clearPending(configDir)
        throw err
      }
      failures++
      if (err instanceof ApiError && err.retryAfterSeconds) await sleep(err.retryAfterSeconds * 1000, opts.signal)
      opts.say?.(`Could not ask the server about the enrollment (${(err as Error).message}); trying again.`)
    }
  }
}
