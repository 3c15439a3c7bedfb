// Remote session use cases: start (permission, policy, MFA re-entry, audit, the signed
// `remote.open` command), join as a viewer, end (by the user, an admin, the idle timeout,
// the device going offline, the agent leaving, the opener's access withdrawn), and the lists.
// A live session's relay lives in the memory of the server process that started it (see
// ./relay.ts).
//
// Access is checked again while a session lives: every change that may shrink someone's
// access emits `access.changed`, and every few seconds anyway (a change made by another server
// process, an API key or sign-in expiring), recheckRemoteAccess asks the database whether the
// opener of each live session, and each viewer, still reaches its device. An opener who does
// not ends the session (reason `revoked`); a viewer who does not is disconnected.
import type { UserActor } from '../auth/actor'
import { credentialOf, currentScope, type Credential } from '../auth/credentials'
import { acceptTotp } from '../auth/mfa'
import { auditEvent, recordAudit, systemActor, type AuditActor } from '../audit/service'
import { cancelCommand, DeviceNotConnectedError, getCommand, queueCommand } from '../agents/commands'
import { withDb, type AppContext } from '../context'
import { afterCommit, inTransaction, withTx } from '../db/tx'
import { deviceName, getDevice } from '../devices/service'
import { deviceVisibility } from '../devices/visibility'
import { AppError, ForbiddenError, NotFoundError } from '../lib/errors'
import { newId } from '../lib/ids'
import type { RemoteOpenPayload } from '../protocol/remote'
import { can, type Scope } from '../tenancy/scope'
import type { StartSessionBody } from './model'
import { Recorder } from './recording'
import { SessionRelay, type RelayHooks } from './relay'
import { advanceSession, deleteRecording, endSessionRow, findSession, insertSession, listLiveSessions, listSessions as listSessionRows, updateSession, type RemoteSessionRow, type SessionListRow } from './repo'
import { remotePolicy } from './settings'
import { issueTicket, type TicketRole, type UsedTickets } from './tickets'
import { onTransferFrame } from './transfers'

/** The live relays and recent MFA re-entries of one server process. */
export class RemoteHub {
  readonly relays = new Map<string, SessionRelay>()
  /** Login session id → when its user last re-entered a TOTP code for remote access. */
  readonly mfaAt = new Map<string, number>()
  /** Session endings started by sockets and timers (shutdown waits for them). */
  readonly ending = new Set<Promise<unknown>>()
  /** Session tickets already used (each attaches one socket). */
  readonly usedTickets: UsedTickets = new Map()
  accessTimer: Timer | null = null

  track(p: Promise<unknown>) {
    this.ending.add(p)
    void p.finally(() => this.ending.delete(p))
  }
}

// note: one hub per server context (tests run several servers in one process); keyed by the
// context's agent hub, which every copy of the context shares.
const hubs = new WeakMap<object, RemoteHub>()

export function remoteHub(ctx: Pick<AppContext, 'agents'>): RemoteHub {
  let hub = hubs.get(ctx.agents)
  if (!hub) { hub = new RemoteHub(); hubs.set(ctx.agents, hub) }
  return hub
}

/** How long a MFA re-entry covers further sessions of the same sign-in. */
const mfaWindowMs = 10 * 60_000
/** An agent that has not attached its relay by then is not coming. */
export const connectTimeoutMs = 30_000
/** The longest a session may last (its command's run deadline). */
const maxSessionMs = 24 * 3600_000

export class MfaRequiredError extends AppError {
  constructor(message = 'this organization asks for a two-factor code before remote sessions: enter the current code from your authenticator app') {
    super(403, 'mfa_required', message, { field: 'mfaCode' })
  }
}

export type StartedSession = { session: RemoteSessionRow; ticket: string }

/** startSession opens a terminal, file or desktop session on a device the actor may reach. */
export async function startSession(ctx: AppContext, actor: UserActor, input: StartSessionBody): Promise<StartedSession> {
  const device = await getDevice(ctx, actor, input.deviceId, 'remote:access')
  if (device.status === 'decommissioned') throw new NotFoundError('device')
  const policy = await remotePolicy(ctx, device.orgId)
  if (input.type === 'desktop' && !policy.allowDesktop) throw new ForbiddenError('the remote desktop is turned off for this organization')
  await checkMfa(ctx, actor, policy.requireMfa, input.mfaCode, device.orgId)
  if (!ctx.agents.isConnected(device.id)) throw new DeviceNotConnectedError()

  const now = ctx.clock.now()
  const isAdmin = can(actor.scope, 'remote:manage', device.orgId)
  const fileRoots = isAdmin && !policy.rootsApplyToAdmins ? [] : policy.fileRoots
  const recording = input.type === 'terminal' && policy.recordTerminal
  const row: RemoteSessionRow = {
    id: newId(), orgId: device.orgId, siteId: device.siteId, deviceId: device.id, userId: actor.user.id, type: input.type, status: 'pending',
    transport: null, shell: input.shell ?? null, commandId: null, endReason: null, endedBy: null, errorMessage: null, webrtcOffer: null, webrtcAnswer: null,
    iceCandidates: [], bytesIn: 0, bytesOut: 0, recording, startedAt: null, endedAt: null, durationSeconds: null, lastActivityAt: now, createdAt: now,
  }
  await withTx(ctx.db, async (tx) => {
    await insertSession(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, {
      action: 'remote.session.start', orgId: row.orgId, resourceType: 'device', resourceId: device.id, resourceName: deviceName(device),
      details: { sessionId: row.id, type: row.type, shell: row.shell, recording, fileRoots },
    })
  })
  const cols = input.cols ?? 120
  const rows = input.rows ?? 32
  const relay = new SessionRelay(ctx, { id: row.id, orgId: row.orgId, siteId: row.siteId, deviceId: row.deviceId, userId: row.userId, type: row.type, opener: credentialOf(actor) }, policy.idleTimeoutMinutes * 60_000, relayHooks(ctx, row.id))
  if (recording) {
    relay.recorder = await Recorder.start(ctx, { sessionId: row.id, orgId: row.orgId, deviceId: row.deviceId, userId: row.userId, cols, rows, shell: row.shell, title: `${deviceName(device)} · ${actor.user.name}`, retentionDays: policy.recordingRetentionDays })
  }
  remoteHub(ctx).relays.set(row.id, relay)
  const payload: Omit<RemoteOpenPayload, 'iceServers'> = {
    sessionId: row.id, kind: row.type, shell: input.shell ?? null, cols, rows, fileRoots,
    ...(row.type === 'desktop' ? { desktop: { monitor: input.monitor ?? 0, viewOnly: false, notifyUser: true } } : {}),
  }
  try {
    // note: ICE servers (with any TURN credential) are added at dispatch by the command type's
    // prepare hook, so the queue table never holds the credential.
    const command = await queueCommand(ctx, { deviceId: device.id, type: 'remote.open', payload, expiresAt: now + connectTimeoutMs, timeoutMs: maxSessionMs, sourceType: 'remote_session', sourceId: row.id, createdBy: actor.user.id })
    await updateSession(ctx.db, row.id, { commandId: command.id })
    row.commandId = command.id
  } catch (err) {
    await endSession(ctx, row.id, 'failed', { error: (err as Error).message })
    throw err
  }
  announce(ctx, row, 'pending')
  return { session: row, ticket: issueTicket(ctx, row.id, actor.user.id, 'control') }
}

/** checkMfa asks for a fresh TOTP code when the org wants one (a sign-in that gave one in the last ten minutes is covered). */
async function checkMfa(ctx: AppContext, actor: UserActor, required: boolean, code: string | undefined, orgId: string) {
  if (!required) return
  if (!actor.user.mfaEnabled) throw new MfaRequiredError('this organization asks for two-factor authentication before remote sessions: set it up under Account → Two-factor authentication first')
  if (mfaCovered(ctx, actor)) return
  if (!code) throw new MfaRequiredError()
  if (!(await acceptTotp(ctx, actor.user, code))) {
    await auditEvent(ctx, actor.audit, { action: 'remote.mfa', result: 'failure', orgId, errorMessage: 'wrong or reused two-factor code' })
    throw new MfaRequiredError('the two-factor code is wrong or was already used; enter the next one')
  }
  if (actor.session) remoteHub(ctx).mfaAt.set(actor.session.id, ctx.clock.now())
}

/** mfaCovered: did this sign-in re-enter a code recently enough that no new one is asked? */
export function mfaCovered(ctx: AppContext, actor: UserActor): boolean {
  const key = actor.session?.id
  return !!key && (remoteHub(ctx).mfaAt.get(key) ?? 0) > ctx.clock.now() - mfaWindowMs
}

/** getSession returns a session the actor may see (remote:access on its device), or 404. */
export async function getSession(ctx: AppContext, actor: UserActor, id: string): Promise<RemoteSessionRow> {
  const row = await findSession(ctx.db, id)
  if (!row || !sessionVisible(actor, row)) throw new NotFoundError('remote session')
  return row
}

function sessionVisible(actor: UserActor, row: Pick<RemoteSessionRow, 'orgId' | 'siteId'>): boolean {
  return reaches(actor.scope, row)
}

/** reaches: may a scope use remote access on a device of this org and site? */
function reaches(scope: Scope | null, row: Pick<RemoteSessionRow, 'orgId' | 'siteId'>): boolean {
  const grant = scope?.orgs.get(row.orgId)
  return !!grant && grant.permissions.has('remote:access') && (grant.siteIds === null || grant.siteIds.includes(row.siteId))
}

/** How often live sessions' access is checked again without an access.changed event. */
export const accessRecheckMs = 5_000

/**
 * recheckRemoteAccess checks every live session of this process against the database as it
 * is now: a session whose opener no longer reaches its device (role, membership, site, user
 * disabled or removed, signed out, session or API key revoked or expired) ends as `revoked`;
 * a viewer who no longer may watch is disconnected. `userId` narrows it to one user's.
 */
export async function recheckRemoteAccess(ctx: AppContext, userId: string | null = null) {
  const scopes = new Map<string, Promise<Scope | null>>()
  const scopeOf = (c: Credential) => {
    const key = `${c.userId}|${c.sessionId ?? ''}|${c.apiKeyId ?? ''}`
    let scope = scopes.get(key)
    if (!scope) scopes.set(key, scope = currentScope(ctx, c))
    return scope
  }
  for (const [id, relay] of [...remoteHub(ctx).relays]) {
    if (relay.isClosed) continue
    const s = relay.session
    if ((!userId || s.opener.userId === userId) && !reaches(await scopeOf(s.opener), s)) {
      ctx.log.info('remote session ended: the opener\'s access was withdrawn', { sessionId: id, userId: s.opener.userId })
      await endSession(ctx, id, 'revoked', { error: 'the access of the technician who opened it was withdrawn' })
      continue
    }
    for (const v of [...relay.viewers.values()]) {
      if (userId && v.credential.userId !== userId) continue
      if (!reaches(await scopeOf(v.credential), s)) relay.revokeViewer(v, 'your access to this device was withdrawn')
    }
  }
}

/** isLive: the session can still be attached to (a relay runs it here). */
export function isLive(ctx: AppContext, row: Pick<RemoteSessionRow, 'id' | 'status'>): boolean {
  return (row.status === 'pending' || row.status === 'connecting' || row.status === 'active') && !!remoteHub(ctx).relays.get(row.id)
}

/** roleFor: the opener controls; anyone else with remote:access watches. */
export function roleFor(actor: UserActor, row: RemoteSessionRow): TicketRole {
  return row.userId === actor.user.id ? 'control' : 'view'
}

/** joinSession issues a ticket to attach (the opener reconnecting, or a view-only viewer), audited for viewers. */
export async function joinSession(ctx: AppContext, actor: UserActor, id: string): Promise<{ session: RemoteSessionRow; ticket: string; role: TicketRole }> {
  const row = await getSession(ctx, actor, id)
  if (!isLive(ctx, row)) throw new AppError(409, 'session_ended', 'this session has ended')
  const role = roleFor(actor, row)
  // note: joining changes nothing stored (the ticket lives in memory): the entry is the event.
  if (role === 'view') await auditEvent(ctx, actor.audit, { action: 'remote.session.join', orgId: row.orgId, resourceType: 'device', resourceId: row.deviceId, details: { sessionId: row.id, role } })
  return { session: row, ticket: issueTicket(ctx, row.id, actor.user.id, role), role }
}

/** closeSession: the opener closes it; anyone else needs remote:manage and it counts as a kill. */
export async function closeSession(ctx: AppContext, actor: UserActor, id: string): Promise<RemoteSessionRow> {
  const row = await getSession(ctx, actor, id)
  const own = row.userId === actor.user.id
  if (!own && !can(actor.scope, 'remote:manage', row.orgId)) throw new ForbiddenError('only the technician who opened it, or someone who may manage remote access, can end this session', 'remote:manage')
  const ended = await endSession(ctx, row.id, own ? 'closed' : 'killed', { actor: actor.audit, by: actor.user.id })
  return ended ?? row
}

type EndOptions = { error?: string | null; actor?: AuditActor; by?: string; exitCode?: number | null }

/**
 * endSession ends a live session once, whoever asks: the row is closed, viewers are told, the
 * agent is told to stop (relay) and its command cancelled (live channel) so the shell is gone
 * within seconds, and the recording is finished.
 */
export async function endSession(ctx: AppContext, id: string, reason: string, opts: EndOptions = {}): Promise<RemoteSessionRow | undefined> {
  const hub = remoteHub(ctx)
  const relay = hub.relays.get(id)
  const now = ctx.clock.now()
  // The session's end, its command's cancellation and the audit row commit together; the
  // relay, the sockets and the recording's file are dealt with after the commit.
  const ended = await withTx(ctx.db, async (tx) => {
    const current = await findSession(tx, id)
    if (!current) return undefined
    const row = await endSessionRow(tx, id, {
      status: reason === 'failed' ? 'failed' : 'ended', endReason: reason, endedAt: now, endedBy: opts.by ?? null, errorMessage: opts.error ?? null,
      durationSeconds: current.startedAt ? Math.max(0, Math.round((now - current.startedAt) / 1000)) : 0,
      bytesIn: relay?.bytesIn ?? current.bytesIn, bytesOut: relay?.bytesOut ?? current.bytesOut, lastActivityAt: relay?.lastActivity ?? current.lastActivityAt,
    })
    if (!row) return undefined
    const txc = withDb(ctx, tx)
    if (row.commandId && reason !== 'exited' && (await getCommand(txc, row.commandId))) await cancelCommand(txc, row.commandId)
    await recordAudit(txc, opts.actor ?? systemActor, {
      action: reason === 'killed' ? 'remote.session.kill' : 'remote.session.end', result: reason === 'failed' ? 'failure' : 'success', orgId: row.orgId,
      resourceType: 'device', resourceId: row.deviceId, details: { sessionId: id, type: row.type, reason, durationSeconds: row.durationSeconds, bytesIn: row.bytesIn, bytesOut: row.bytesOut, exitCode: opts.exitCode ?? null },
      errorMessage: opts.error ?? undefined,
    })
    const discard = !!relay?.recorder && !current.startedAt
    if (discard) row.recording = false
    return { row, discard }
  })
  if (!ended) return undefined
  const { row, discard } = ended
  const finish = async () => {
    hub.relays.delete(id)
    relay?.close(reason, opts.error ?? null)
    announce(ctx, row, row.status)
    if (relay?.recorder) await finishRecording(ctx, id, relay.recorder, discard)
  }
  // note: called inside another change's transaction (the agent reported the end with its
  // command's result), the relay and the recording's file wait for that commit.
  if (inTransaction(ctx.db)) afterCommit(ctx.db, () => void finish())
  else await finish()
  return row
}

/** finishRecording closes a session's recording; one of a shell that never started is deleted (nothing to keep). */
async function finishRecording(ctx: AppContext, sessionId: string, recorder: Recorder, discard: boolean) {
  try {
    if (!discard) return await recorder.close()
    await recorder.close().catch(() => {})
    await deleteRecording(ctx.db, recorder.row.id)
    await ctx.blobs.delete(recorder.row.blobKey)
    await updateSession(ctx.db, sessionId, { recording: false })
  } catch (err) {
    ctx.log.error('could not finish a recording', { sessionId, err })
  }
}

function announce(ctx: AppContext, row: Pick<RemoteSessionRow, 'id' | 'orgId' | 'siteId' | 'deviceId'>, status: string) {
  ctx.live.publish({ orgId: row.orgId, perm: 'remote:access', siteId: row.siteId }, 'remote.session', { id: row.id, deviceId: row.deviceId, status })
}

/** What the relay needs from this service for session `id`. */
function relayHooks(ctx: AppContext, id: string): RelayHooks {
  const relay = () => remoteHub(ctx).relays.get(id)
  let transfers: Promise<void> = Promise.resolve()
  return {
    agentLost: (bye) => {
      const reason = bye?.reason === 'exited' ? 'exited' : 'agent_disconnected'
      remoteHub(ctx).track(endSession(ctx, id, reason, { exitCode: bye?.exitCode ?? null }).catch((err) => ctx.log.error('could not end a remote session', { sessionId: id, err })))
    },
    abandoned: () => { remoteHub(ctx).track(endSession(ctx, id, 'abandoned').catch((err) => ctx.log.error('could not end a remote session', { sessionId: id, err }))) },
    signal: (viewer, signal) => {
      const r = relay()
      if (!r) return false
      if (viewer.role === 'control' && signal.kind === 'offer') void updateSession(ctx.db, id, { webrtcOffer: signal.sdp.slice(0, 32 * 1024) })
      return ctx.agents.send(r.session.deviceId, { type: 'remote.signal', sessionId: id, viewer: viewer.viewer, viewOnly: viewer.role !== 'control', signal })
    },
    transportChanged: (path) => { void updateSession(ctx.db, id, { transport: path }) },
    transfer: (frame) => {
      // note: reports of one session are applied in order (a pool may answer out of order, and
      // a late "transferring" must not overwrite "completed").
      const r = relay()
      if (r) transfers = transfers.then(() => onTransferFrame(ctx, r.session, frame))
    },
    ready: (frame) => { if (frame.shell) void updateSession(ctx.db, id, { shell: String(frame.shell).slice(0, 512) }) },
  }
}

/** agentAttached marks the session active when the agent's relay socket arrives. */
export async function agentAttached(ctx: AppContext, id: string) {
  const row = await findSession(ctx.db, id)
  if (!row || row.status === 'ended' || row.status === 'failed') return
  const moved = await advanceSession(ctx.db, id, ['pending', 'connecting'], { status: 'active', startedAt: ctx.clock.now(), transport: row.transport ?? 'relay' })
  remoteHub(ctx).relays.get(id)?.status('active')
  if (moved) announce(ctx, row, 'active')
}

/** agentAnswered records the controller's WebRTC answer and ICE candidate types (never addresses). */
export async function noteSignal(ctx: AppContext, id: string, signal: { kind: string; sdp?: string; candidate?: string }) {
  if (signal.kind === 'answer' && signal.sdp) await updateSession(ctx.db, id, { webrtcAnswer: signal.sdp.slice(0, 32 * 1024) })
  if (signal.kind === 'candidate' && signal.candidate) {
    const type = / typ (\w+)/.exec(signal.candidate)?.[1]
    const row = await findSession(ctx.db, id)
    if (type && row && !row.iceCandidates.includes(type)) await updateSession(ctx.db, id, { iceCandidates: [...row.iceCandidates, type] })
  }
}

export type SessionFilter = { live?: boolean; ended?: boolean; deviceId?: string; userId?: string; limit?: number }

/** listSessions returns sessions on devices where the actor has remote:access. */
export async function listSessions(ctx: AppContext, actor: UserActor, f: SessionFilter): Promise<SessionListRow[]> {
  return listSessionRows(ctx.db, deviceVisibility(actor.scope, 'remote:access'), { ...f, limit: f.limit ?? 100 })
}

/** sweepRemoteSessions (every few seconds) ends idle sessions and sessions whose agent never attached. */
export async function sweepRemoteSessions(ctx: AppContext) {
  const now = ctx.clock.now()
  for (const [id, relay] of remoteHub(ctx).relays) {
    if (!relay.agentEverConnected && now - relay.createdAt > connectTimeoutMs) await endSession(ctx, id, 'failed', { error: 'the agent did not connect to the session in time' })
    else if (now - relay.lastActivity > relay.idleMs) await endSession(ctx, id, 'idle')
  }
}

/** stopRemoteSessions ends every session this process relays (server shutdown): viewers and agents are told. */
export async function stopRemoteSessions(ctx: AppContext) {
  const hub = remoteHub(ctx)
  await Promise.all([...hub.ending])
  for (const id of [...hub.relays.keys()]) await endSession(ctx, id, 'server_restart').catch((err) => ctx.log.warn('could not end a remote session at shutdown', { sessionId: id, err }))
}

/**
 * endOrphanedSessions (at start) ends sessions still marked live from before: their relay
 * lived in a process that is gone. NB: with several server processes on one database, the
 * relay of a session lives in one of them; see docs/remote-access.md (sticky routing).
 */
export async function endOrphanedSessions(ctx: AppContext) {
  const hub = remoteHub(ctx)
  for (const row of await listLiveSessions(ctx.db)) if (!hub.relays.has(row.id)) await endSession(ctx, row.id, 'server_restart')
}

/** canManage: may the actor end others' sessions in this org? */
export function canManage(actor: UserActor, orgId: string): boolean {
  return can(actor.scope, 'remote:manage', orgId)
}
