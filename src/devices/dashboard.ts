// The fleet dashboard's figures: counts by status and OS, offline devices, newest enrolments,
// top consumers. All over the caller's visible devices (optionally one org).
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { countByColumn, listDevicesBy, orderBy, topDevices } from './repo'
import { deviceVisibility } from './visibility'

type Ctx = Pick<AppContext, 'db'>

export async function dashboardData(ctx: Ctx, actor: UserActor, orgId?: string) {
  const v = deviceVisibility(actor.scope)
  const f = { orgId }
  const [byStatus, byOs, offline, recent, cpu, ram, disk] = await Promise.all([
    countByColumn(ctx.db, v, 'status', f),
    countByColumn(ctx.db, v, 'osType', f),
    listDevicesBy(ctx.db, v, { ...f, status: 'offline' }, orderBy.lastSeenNewest(), 10),
    listDevicesBy(ctx.db, v, f, orderBy.enrolledNewest(), 8),
    topDevices(ctx.db, v, 'cpu', 5, f),
    topDevices(ctx.db, v, 'ram', 5, f),
    topDevices(ctx.db, v, 'disk', 5, f),
  ])
  const active = Object.entries(byStatus).filter(([s]) => s !== 'decommissioned').reduce((n, [, c]) => n + c, 0)
  return { total: active, byStatus, byOs, offline, recent, top: { cpu, ram, disk } }
}

export type DashboardData = Awaited<ReturnType<typeof dashboardData>>
