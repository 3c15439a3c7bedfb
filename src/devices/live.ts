// Device changes pushed to open pages (ctx.live). Status changes are coalesced for a moment
// and sent per site, so a reconnect storm of thousands of agents becomes a few messages, and
// site-limited members only hear about their own sites. Only ids, statuses and times are
// sent; pages fetch anything else through their scope.
import type { AppContext } from '../context'
import { findDevicesByIds } from './repo'

export const liveFlushMs = 500

/** The live event names the device pages listen to. */
export const liveEvents = {
  /** data: { devices: [{ id, status, lastSeenAt }] } */
  status: 'device.status',
  /** data: { count } — devices enrolled; lists offer to refresh. */
  enrolled: 'device.enrolled',
  /** data: { devices: [id] } — renamed, re-tagged, moved, decommissioned. */
  changed: 'device.changed',
} as const

type Queue = { status: Set<string>; changed: Set<string>; enrolled: Set<string> }

/** DeviceLivePublisher batches device events and publishes them once per flush window. */
export class DeviceLivePublisher {
  private queue: Queue = { status: new Set(), changed: new Set(), enrolled: new Set() }
  private flushing: Promise<void> | null = null

  constructor(private ctx: AppContext) {}

  /** note: the waiting happens inside an event listener, so EventBus.settle() (shutdown) waits for the flush. */
  async add(kind: keyof Queue, deviceId: string): Promise<void> {
    this.queue[kind].add(deviceId)
    if (this.flushing) return
    this.flushing = (async () => {
      await Bun.sleep(liveFlushMs)
      const q = this.queue
      this.queue = { status: new Set(), changed: new Set(), enrolled: new Set() }
      this.flushing = null
      await this.publish(q)
    })()
    await this.flushing
  }

  private async publish(q: Queue) {
    if (this.ctx.live.size === 0) return
    const ids = [...new Set([...q.status, ...q.changed, ...q.enrolled])]
    const devices = await findDevicesByIds(this.ctx.db, ids)
    const bySite = new Map<string, typeof devices>()
    for (const d of devices) { const list = bySite.get(d.siteId) ?? []; list.push(d); bySite.set(d.siteId, list) }
    for (const [siteId, list] of bySite) {
      const audience = { orgId: list[0].orgId, siteId, perm: 'devices:read' as const }
      const status = list.filter((d) => q.status.has(d.id) || q.changed.has(d.id))
      if (status.length) this.ctx.live.publish(audience, liveEvents.status, { devices: status.map((d) => ({ id: d.id, status: d.status, lastSeenAt: d.lastSeenAt })) })
      const changed = list.filter((d) => q.changed.has(d.id))
      if (changed.length) this.ctx.live.publish(audience, liveEvents.changed, { devices: changed.map((d) => d.id) })
      const enrolled = list.filter((d) => q.enrolled.has(d.id))
      if (enrolled.length) this.ctx.live.publish(audience, liveEvents.enrolled, { count: enrolled.length })
    }
  }
}
