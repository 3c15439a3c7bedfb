// `breeze-agent run`: the agent's life. A heartbeat every interval the server sets, the live
// channel for commands, the inventory at start (full after an enrollment) and every 6 hours
// as changed sections, and a clean stop on SIGTERM.
import os from 'node:os'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PROTOCOL_VERSION, type ServerMessage, type SignedCommand, type UpgradeInstruction } from '../../src/protocol'
import { loadIdentity, type Identity } from '../config'
import { ApiClient, ApiError } from './api'
import { fullJitter } from './backoff'
import { LiveChannel } from './channel'
import { collectHeartbeat, primeMetrics } from './collectors/metrics'
import { hardwareId } from './collectors/identity'
import { CommandRunner } from './command-runner'
import { clearPending, decidedAgainst, loadPending, waitForApproval, type PendingEnrollment } from './enroll'
import { buildReport, collectInventoryInChild } from './inventory'
import { log } from './log'
import { StateStore } from './state'
import { watchProcesses } from './system-tools/processes'
import { ServiceWatch } from './system-tools/service-watch'
import { applyUpdate, cleanupAfterUpdate, confirmUpdate } from './update'
import { agentVersion } from './version'
import { publicKeyFromRaw } from './verify'

const inventoryEveryMs = 6 * 3600_000
const fullInventoryEveryMs = 7 * 24 * 3600_000

/** Exit codes the service definitions know: 3 = do not restart (revoked), 75 = restart me (update). */
export const exitCodes = { revoked: 3, restart: 75 } as const

export type AgentHooks = { onUpgrade?(u: UpgradeInstruction, agent: RunningAgent): void; onConnected?(agent: RunningAgent): void }

export class RunningAgent {
  readonly api: ApiClient
  readonly state: StateStore
  readonly channel: LiveChannel
  readonly runner: CommandRunner
  readonly serviceWatch: ServiceWatch
  private skewMs = 0
  private heartbeatSeconds: number
  private heartbeatTimer: Timer | null = null
  private inventoryTimer: Timer | null = null
  /** Process globs the server asked to count (process alert rules); kept in memory, the server repeats them in every heartbeat answer. */
  private watchedProcesses: string[] = []
  private heartbeatAgainSoon = false
  private heartbeatFailures = 0
  private heartbeatInFlight = false
  private inventoryRunning: Promise<string[]> | null = null
  private stopped = false
  paused = false
  private finished: () => void = () => {}
  readonly done = new Promise<number>((resolve) => { this.finished = () => resolve(this.exitCode) })
  exitCode = 0

  constructor(readonly configDir: string, readonly identity: Identity, private hooks: AgentHooks = {}, readonly underService = false) {
    this.api = new ApiClient(identity)
    this.state = new StateStore(configDir)
    this.heartbeatSeconds = identity.heartbeatSeconds
    const wsUrl = identity.serverUrl.replace(/^http/, 'ws') + `/ws/agents/${identity.agentId}`
    this.channel = new LiveChannel(wsUrl, this.api, async () => ({ type: 'agent.hello', protocolVersion: PROTOCOL_VERSION, agentVersion, hardwareId: await hardwareId(), running: [...this.runner.runningIds(), ...this.channel.undeliveredResults()] }), {
      onMessage: (m) => this.onServerMessage(m),
      onFatal: (reason) => this.fatal(reason),
      onConnected: () => hooks.onConnected?.(this),
      // note: a heartbeat at once tells whether this identity still exists (401: a technician
      // gave the device to another agent), instead of finding out at the next interval.
      onReplaced: () => this.heartbeatSoon(),
    })
    this.runner = new CommandRunner({
      key: publicKeyFromRaw(identity.serverPublicKey), deviceId: identity.deviceId, agentId: identity.agentId, state: this.state,
      serverNow: () => Date.now() + this.skewMs, send: (m) => this.channel.send(m), sendOutput: (m) => this.channel.sendOutput(m),
      services: { refreshInventory: (full) => this.sendInventory(full), heartbeatNow: () => this.heartbeat(), servicesChanged: () => void this.serviceWatch.tick() },
    })
    this.serviceWatch = new ServiceWatch({
      acceptedHash: () => this.state.state.inventoryHashes.services,
      send: async (services, hash) => {
        await this.api.inventory({ full: false, collectedAt: Date.now(), services })
        this.state.state.inventoryHashes.services = hash
        this.state.save()
      },
    })
  }

  async start() {
    log.info('breeze agent starting', { version: agentVersion, server: this.identity.serverUrl, deviceId: this.identity.deviceId })
    await primeMetrics()
    this.channel.start()
    await this.heartbeatLoop()
    const s = this.state.state
    const needFull = s.lastFullInventoryAt < this.identity.enrolledAt || Date.now() - s.lastFullInventoryAt > fullInventoryEveryMs
    this.scheduleInventory(needFull || Date.now() - s.lastInventoryAt > inventoryEveryMs ? 0 : inventoryEveryMs - (Date.now() - s.lastInventoryAt))
    this.serviceWatch.start()
  }

  stop(code = 0) {
    if (this.stopped) return
    this.pause()
    this.stopped = true
    this.exitCode = code
    this.runner.stopAll()
    this.finished()
  }

  /** pause goes quiet (no socket, no heartbeats) while another agent process tries this identity. */
  pause() {
    this.paused = true
    for (const t of [this.heartbeatTimer, this.inventoryTimer]) if (t) clearTimeout(t)
    this.serviceWatch.stop()
    this.channel.stop()
  }

  resume() {
    if (this.stopped || !this.paused) return
    this.paused = false
    this.channel.start()
    void this.heartbeatLoop()
    this.scheduleInventory(inventoryEveryMs)
    this.serviceWatch.start()
  }

  private fatal(reason: string) {
    log.error(`stopping: ${reason}`)
    this.stop(exitCodes.revoked)
  }

  private onServerMessage(m: ServerMessage) {
    switch (m.type) {
      case 'server.hello': this.skewMs = m.serverTime - Date.now(); this.heartbeatSeconds = m.heartbeatSeconds; return
      case 'command': void this.runner.receive(m.command); return
      case 'command.cancel': this.runner.cancel(m.id); return
      case 'command.output.ack': return // the channel's output window (./channel.ts)
      case 'command.result.ack': return // the channel's unconfirmed results (./channel.ts)
      case 'config': this.heartbeatSeconds = m.heartbeatSeconds; if (m.watchProcesses) this.setWatchedProcesses(m.watchProcesses); return
      case 'upgrade': this.hooks.onUpgrade?.(m.upgrade, this); return
      case 'pong': return
      case 'error': log.warn('server says', { message: m.message }); return
    }
  }

  /** heartbeat sends one heartbeat and applies its answer. */
  async heartbeat(): Promise<void> {
    const body = await collectHeartbeat(agentVersion, await hardwareId())
    if (this.state.state.failedUpdates.length) body.failedUpdates = this.state.state.failedUpdates.slice(-20)
    if (this.watchedProcesses.length) {
      const watched = await watchProcesses(this.watchedProcesses)
      if (watched) body.metrics.processes = watched.map((w) => ({ pattern: w.pattern, count: w.count, cpuPercent: w.cpuPercent }))
    }
    const res = await this.api.heartbeat(body)
    this.skewMs = res.serverTime - Date.now()
    this.heartbeatSeconds = res.heartbeatSeconds
    for (const c of res.commands) void this.runner.receive(c as SignedCommand)
    if (res.upgrade) this.hooks.onUpgrade?.(res.upgrade, this)
    if (res.watchProcesses) this.setWatchedProcesses(res.watchProcesses)
  }

  /** setWatchedProcesses takes the server's process globs; new ones are reported by a heartbeat at once. */
  private setWatchedProcesses(globs: string[]) {
    const added = globs.some((g) => !this.watchedProcesses.includes(g))
    this.watchedProcesses = globs.slice(0, 50)
    if (!added) return
    // note: inside a heartbeat (its answer named them) the loop shortens its next wait; a second loop would double the heartbeats.
    if (this.heartbeatInFlight) this.heartbeatAgainSoon = true
    else this.heartbeatSoon()
  }

  /** heartbeatSoon runs the heartbeat loop now instead of at its next interval. */
  heartbeatSoon() {
    if (this.stopped || this.paused) return
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer)
    this.heartbeatTimer = setTimeout(() => void this.heartbeatLoop(), 500)
  }

  private async heartbeatLoop() {
    // note: one loop at a time (heartbeatSoon may fire while a heartbeat is in flight; that one schedules the next).
    if (this.stopped || this.paused || this.heartbeatInFlight) return
    // One chain of timers: a heartbeatSoon() during a heartbeat left the old chain's timer behind.
    if (this.heartbeatTimer) { clearTimeout(this.heartbeatTimer); this.heartbeatTimer = null }
    let next = this.heartbeatSeconds * 1000
    this.heartbeatInFlight = true
    try {
      await this.heartbeat()
      this.heartbeatFailures = 0
    } catch (err) {
      if (err instanceof ApiError && err.fatal) return this.fatal(err.message)
      this.heartbeatFailures++
      next = Math.min(next, 2_000 + fullJitter(this.heartbeatFailures))
      log.warn('heartbeat failed', { err, retryInMs: next })
    } finally {
      this.heartbeatInFlight = false
    }
    if (this.heartbeatAgainSoon) { this.heartbeatAgainSoon = false; next = Math.min(next, 500) }
    if (!this.stopped && !this.paused) this.heartbeatTimer = setTimeout(() => void this.heartbeatLoop(), next)
  }

  private scheduleInventory(delayMs: number) {
    if (this.stopped || this.paused) return
    this.inventoryTimer = setTimeout(async () => {
      const s = this.state.state
      const full = s.lastFullInventoryAt < this.identity.enrolledAt || Date.now() - s.lastFullInventoryAt > fullInventoryEveryMs
      try {
        await this.sendInventory(full)
        this.scheduleInventory(inventoryEveryMs)
      } catch (err) {
        if (err instanceof ApiError && err.fatal) return this.fatal(err.message)
        log.warn('inventory failed', { err })
        this.scheduleInventory(60_000 + fullJitter(3, 60_000, 30 * 60_000))
      }
    }, Math.max(0, delayMs))
  }

  /** sendInventory collects and sends the inventory (one collection at a time); returns the sections sent. */
  sendInventory(full: boolean): Promise<string[]> {
    this.inventoryRunning ??= (async () => {
      try {
        const sections = await collectInventoryInChild(this.configDir)
        const { report, hashes, sent } = buildReport(sections, this.state.state.inventoryHashes, full)
        if (sent.length > 0) await this.api.inventory(report)
        const now = Date.now()
        this.state.state.inventoryHashes = hashes
        this.state.state.lastInventoryAt = now
        if (full) this.state.state.lastFullInventoryAt = now
        this.state.save()
        log.info('inventory sent', { full, sections: sent })
        return sent
      } finally {
        this.inventoryRunning = null
      }
    })()
    return this.inventoryRunning
  }
}

/**
 * awaitApproval waits for an enrollment a technician has to approve (see src/enroll.ts):
 * the identity once approved, or an exit code (3: rejected or expired, do not restart; 0: stopped).
 */
async function awaitApproval(configDir: string, pending: PendingEnrollment): Promise<Identity | number> {
  log.info('waiting for a technician to approve this enrollment', { server: pending.serverUrl, requestId: pending.requestId, expiresAt: new Date(pending.expiresAt).toISOString() })
  const ac = new AbortController()
  const stop = () => ac.abort()
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  try {
    const outcome = await waitForApproval(configDir, pending, { until: pending.expiresAt + 60_000, say: (line) => log.info(line), signal: ac.signal })
    if (outcome.state === 'enrolled') return outcome.identity
    if (ac.signal.aborted) return 0
    log.error('the enrollment was not approved before it expired; enroll again', { requestId: pending.requestId })
    clearPending(configDir)
    return exitCodes.revoked
  } catch (err) {
    if (decidedAgainst(err)) {
      log.error(`not enrolled: ${err.message}`, { code: err.code, requestId: pending.requestId })
      return exitCodes.revoked
    }
    throw err
  } finally {
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
  }
}

const defaultHooks: AgentHooks = {
  onUpgrade: (u, agent) => void applyUpdate(u, agent),
  onConnected: (agent) => confirmUpdate(agent.configDir),
}

/** runAgent runs the agent; `service` says a service manager restarts it (systemd, launchd, Windows). */
export async function runAgent(configDir: string, opts: { service?: boolean } = {}, hooks: AgentHooks = defaultHooks): Promise<number> {
  let identity = loadIdentity(configDir)
  if (!identity) {
    const pending = loadPending(configDir)
    if (!pending) {
      log.error(`not enrolled: no ${path.join(configDir, 'agent.json')}. Run: breeze-agent enroll --server URL --key KEY`)
      return 2
    }
    const outcome = await awaitApproval(configDir, pending)
    if (typeof outcome === 'number') return outcome
    identity = outcome
  }
  // note: a lower priority keeps inventory collection (and the tools it spawns) out of the way.
  try { os.setPriority(10) } catch {}
  cleanupAfterUpdate(configDir)
  const pidFile = path.join(configDir, 'agent.pid')
  writeFileSync(pidFile, String(process.pid))
  const agent = new RunningAgent(configDir, identity, hooks, !!opts.service)
  const onSignal = () => agent.stop(0)
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  await agent.start()
  const code = await agent.done
  // note: after a handover the new agent has written its own pid here.
  try { if (readFileSync(pidFile, 'utf8') === String(process.pid)) rmSync(pidFile) } catch {}
  return code
}
