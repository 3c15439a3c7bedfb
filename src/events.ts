// The in-process event bus. Every event the product emits is named here, with its payload,
// so a reader sees the whole vocabulary in one screen. Listeners run after the emitting
// request's work, each on its own turn of the event loop, and a failing listener is logged
// without touching the emitter or the other listeners.
import type { Db } from './db'
import { afterCommit, beforeCommit } from './db/tx'
import type { Logger } from './lib/log'

export type Events = {
  'audit.recorded': { id: string; orgId: string | null; action: string }
  'user.invited': { userId: string; email: string }
  /**
   * Someone's access may have shrunk: a role or membership changed, a user was disabled or
   * removed, signed out, a session or API key revoked, an org, site or partner deleted.
   * userId null: it may concern many users. Emitted after the change committed; whatever
   * holds access open (live remote sessions) checks it again against the database.
   */
  'access.changed': { userId: string | null; reason: string }
  // devices and agents (issue 3)
  'device.enrolled': { deviceId: string; orgId: string; siteId: string; reattached: boolean }
  /** A known machine asked to enroll again and waits for a technician (src/agents/enroll.ts). */
  'enrollment.requested': { requestId: string; orgId: string; siteId: string; deviceId: string; hostname: string }
  'enrollment.decided': { requestId: string; orgId: string; deviceId: string; decision: 'approved_replace' | 'approved_clone' | 'rejected' | 'expired'; resultDeviceId: string | null }
  'device.online': { deviceId: string; orgId: string }
  'device.offline': { deviceId: string; orgId: string; lastSeenAt: number | null }
  'device.updated': { deviceId: string; orgId: string; fields: string[] }
  'heartbeat.received': { deviceId: string; orgId: string; at: number; metrics: HeartbeatMetrics; /** now − uptime (null when unknown) */ bootTime?: number | null }
  'inventory.received': { deviceId: string; orgId: string; at: number; sections: string[] }
  'software.changed': { deviceId: string; orgId: string; installed: SoftwareRef[]; removed: SoftwareRef[]; updated: (SoftwareRef & { previousVersion: string | null })[] }
  'hardware.changed': { deviceId: string; orgId: string; changes: Record<string, { from: unknown; to: unknown }> }
  /** Services that changed state or start type (the agent's service watch, a service action). At most 200 listed. */
  'services.changed': { deviceId: string; orgId: string; changes: ServiceChange[] }
  /** An alert rule was created or changed (enabled): it is evaluated against the current state of its devices at once. */
  'alert_rule.saved': { ruleId: string; orgId: string | null; partnerId: string }
  'command.completed': { commandId: string; deviceId: string; orgId: string; type: string; status: string; sourceType: string | null; sourceId: string | null }
  // scripts (issue 4)
  'script.completed': { executionId: string; batchId: string; scriptId: string; deviceId: string; orgId: string; status: string; exitCode: number | null; customMetrics: Record<string, number> }
  // alerting (issue 5); orgId is null only for a partner-wide channel's alert
  'alert.triggered': { alertId: string; orgId: string | null; ruleId: string | null; deviceId: string | null; severity: string; kind: string; notifying: boolean }
  'alert.acknowledged': { alertId: string; orgId: string | null; userId: string | null }
  'alert.resolved': { alertId: string; orgId: string | null; ruleId: string | null; deviceId: string | null; auto: boolean }
  // patch management (issue 12): one event per update and device at the end of an install
  /** A patch scan or install of the device ended (its update states may have changed): patch alert conditions are checked again. */
  'patches.changed': { deviceId: string; orgId: string }
  'patch.installed': { deviceId: string; orgId: string; jobId: string; patchId: string; source: string; externalId: string; version: string; severity: string; rebootRequired: boolean }
  'patch.failed': { deviceId: string; orgId: string; jobId: string; patchId: string; source: string; externalId: string; version: string; severity: string; error: string }
  // reports (issue 19); orgId null for a partner-wide report
  'report.completed': { runId: string; reportId: string; partnerId: string; orgId: string | null; status: 'done' | 'failed'; trigger: 'manual' | 'schedule' }
}

export type SoftwareRef = { name: string; version: string | null }

/** A service that appeared, went away, or moved from one state / start type to another. */
export type ServiceChange = { name: string; from: { state: string; startMode: string | null } | null; to: { state: string; startMode: string | null } | null }

/** The metrics a heartbeat carries, as stored (percentages 0–100). */
export type HeartbeatMetrics = {
  cpuPercent: number | null
  ramPercent: number | null
  diskPercent: number | null
  /** Per volume: mount → percent used. */
  volumes: Record<string, number>
  netInBytes: number | null
  netOutBytes: number | null
  processCount: number | null
  pendingReboot: boolean
  custom: Record<string, number>
  /** Watched process globs (the server names them from process rules) → how many match and their total CPU %. */
  processes?: Record<string, { count: number; cpuPercent: number }>
}

type Listener<K extends keyof Events> = (payload: Events[K]) => void | Promise<void>

/**
 * Events whose listeners must hear of them even when the process dies right after the
 * emitter's commit (a script's end starts automations and settles policy remediations).
 * Emitted inside a transaction (ctx.events bound by withDb), each is recorded in it as an
 * outbox row; the listeners run after the commit as usual, and the row is deleted once they
 * all succeeded. A row left behind (crash, failing listener) is delivered again by a job, so
 * the listeners of a durable event must be idempotent (src/jobs/outbox.ts).
 */
export const durableEvents = new Set<keyof Events>(['script.completed'])

/** Where durable events are recorded (src/jobs/outbox.ts). */
export type Outbox = {
  record(db: Db, name: keyof Events, payload: unknown): Promise<string>
  confirm(id: string): Promise<void>
}

export class EventBus {
  private listeners = new Map<keyof Events, Listener<never>[]>()
  private inFlight = new Set<Promise<unknown>>()
  private outbox: Outbox | null = null

  constructor(private log: Logger) {}

  useOutbox(outbox: Outbox) { this.outbox = outbox }

  on<K extends keyof Events>(name: K, listener: Listener<K>): () => void {
    const list = this.listeners.get(name) ?? []
    list.push(listener as Listener<never>)
    this.listeners.set(name, list)
    return () => this.listeners.set(name, (this.listeners.get(name) ?? []).filter((l) => l !== listener))
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    void this.deliver(name, payload)
  }

  /**
   * inTx returns this bus bound to the transaction `db`: an event waits for its commit (and
   * is dropped on rollback, so listeners never see a change that did not happen); a durable
   * one is recorded in the transaction first.
   */
  inTx(db: Db): EventBus {
    const bound = Object.create(this) as EventBus
    bound.emit = <K extends keyof Events>(name: K, payload: Events[K]) => {
      const outbox = this.outbox
      if (!outbox || !durableEvents.has(name)) return afterCommit(db, () => this.emit(name, payload))
      this.track(beforeCommit(db, async () => {
        const id = await outbox.record(db, name, payload)
        afterCommit(db, () => this.track(this.deliver(name, payload).then((ok) => ok ? outbox.confirm(id) : undefined)
          .catch((err) => this.log.error('could not confirm a delivered event; it is delivered again later', { event: name, err }))))
      }))
    }
    return bound
  }

  /** deliver runs every listener of `name` (each on its own turn of the event loop) and says whether all succeeded. */
  deliver<K extends keyof Events>(name: K, payload: Events[K]): Promise<boolean> {
    const runs = (this.listeners.get(name) ?? []).map((listener) => {
      // note: setImmediate gives each listener its own macrotask, so an emitter inside a
      // SQLite transaction never has listener queries interleave with it (see withTx).
      const done = new Promise<boolean>((resolve) => setImmediate(async () => {
        try { await (listener as Listener<K>)(payload); resolve(true) } catch (err) { this.log.error('event listener failed', { event: name, err }); resolve(false) }
      }))
      this.track(done)
      return done
    })
    return Promise.all(runs).then((oks) => oks.every(Boolean))
  }

  private track(p: Promise<unknown>) {
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  /** settle waits for every listener started so far (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }
}
