// Maintenance windows: one-off or recurring (cron in a time zone) periods during which alerts of
// the targeted devices are created suppressed, or only their notifications are held back.
import { Cron } from 'croner'
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { orgIdsWith, requireOrg } from '../tenancy/scope'
import { findWindow, insertWindow, listEnabledWindowsOfOrg, listWindows, updateWindowRow, type MaintenanceWindow } from './maintenance-repo'
import type { CreateWindowInput, UpdateWindowInput } from './model'
import { deviceMaintenanceEnd } from './facts-repo'
import { checkTargets, targetsMatch, type TargetDevice } from './targets'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

export function isValidTimezone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true } catch { return false }
}

/** zonedTimeToUtc reads `2026-05-01T02:00` as wall-clock time in `tz` (strings with Z/offset are absolute). */
export function zonedTimeToUtc(local: string, tz: string): number {
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(local)) return Date.parse(local)
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local)
  if (!m) return Number.NaN
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0))
  // The zone's offset at the guess, applied twice to land on the right side of a DST change.
  const offsetAt = (ms: number) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms)).map((x) => [x.type, x.value]))
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms
  }
  const first = guess - offsetAt(guess)
  return guess - offsetAt(first)
}

/** windowActiveUntil: if the window covers instant `now`, when that occurrence ends; else null. */
export function windowActiveUntil(w: Pick<MaintenanceWindow, 'startsAt' | 'endsAt' | 'recurrence' | 'timezone' | 'enabled'>, now: number): number | null {
  if (!w.enabled) return null
  if (w.recurrence) {
    const { cron, durationMinutes } = w.recurrence
    const length = durationMinutes * 60_000
    // The first occurrence after (now - length) covers now if it started at or before now.
    const start = new Cron(cron, { timezone: w.timezone }).nextRun(new Date(now - length))
    if (!start || start.getTime() > now) return null
    if (w.endsAt !== null && start.getTime() >= w.endsAt) return null
    if (w.startsAt !== null && start.getTime() < w.startsAt) return null
    return start.getTime() + length
  }
  if (w.startsAt !== null && w.endsAt !== null && now >= w.startsAt && now < w.endsAt) return w.endsAt
  return null
}

/** nextOccurrence: when the window next starts (for the editor's list). */
export function nextOccurrence(w: MaintenanceWindow, now: number): number | null {
  if (w.recurrence) {
    try { return new Cron(w.recurrence.cron, { timezone: w.timezone }).nextRun(new Date(now))?.getTime() ?? null } catch { return null }
  }
  return w.startsAt !== null && w.startsAt > now ? w.startsAt : null
}

/** windowId is null for a device's own maintenance mode (src/devices/maintenance.ts). */
export type ActiveMaintenance = { windowId: string | null; name: string; until: number; suppress: MaintenanceWindow['suppress'] }

/** How often suppression under open-ended device maintenance is re-checked (releaseDueSuppressions). */
const deviceMaintenanceRecheckMs = 15 * 60_000

/**
 * activeMaintenance: the window (longest-running if several) covering a device now.
 * note: a device put in maintenance mode (status 'maintenance') counts here as a device-scoped
 * window that silences alerts, rather than being a second mechanism beside this check: the
 * engine (new alerts are created suppressed) and the release job (suppression ends when no
 * window covers the device any more) then treat both alike. Its `until` is the maintenance's
 * end, capped so that ending it early by hand releases held alerts within the recheck period.
 */
export async function activeMaintenance(ctx: Pick<AppContext, 'db'>, device: TargetDevice & { status?: string }, now: number, groupIds: () => Promise<string[]>): Promise<ActiveMaintenance | null> {
  // note: the row is read even when `device` says 'maintenance', since it may have ended since then.
  const endsAt = device.status === 'maintenance' ? await deviceMaintenanceEnd(ctx.db, device.id) : undefined
  if (endsAt !== undefined) {
    const until = Math.min(endsAt ?? Number.POSITIVE_INFINITY, now + deviceMaintenanceRecheckMs)
    if (until > now) return { windowId: null, name: 'device in maintenance mode', until, suppress: 'alerts' }
  }
  const windows = await listEnabledWindowsOfOrg(ctx.db, device.orgId)
  let best: ActiveMaintenance | null = null
  for (const w of windows) {
    const until = windowActiveUntil(w, now)
    if (until === null) continue
    if (!(await targetsMatch(w.targets, device, groupIds))) continue
    // note: a window that silences alerts entirely wins over one that only holds notifications.
    if (!best || (w.suppress === 'alerts' && best.suppress === 'notifications') || (w.suppress === best.suppress && until > best.until)) {
      best = { windowId: w.id, name: w.name, until, suppress: w.suppress }
    }
  }
  return best
}

function toInstant(value: number | string | undefined, tz: string, field: string): number | null {
  if (value === undefined || value === '') return null
  const ms = typeof value === 'number' ? value : zonedTimeToUtc(value, tz)
  if (!Number.isFinite(ms)) throw new ValidationError(field, `${field} is not a date and time (use 2026-05-01T02:00)`)
  return ms
}

type WindowFields = Omit<MaintenanceWindow, 'id' | 'partnerId' | 'orgId' | 'createdBy' | 'createdAt' | 'updatedAt' | 'deletedAt'>

/** checkWindow turns input into row fields, naming the field at fault. */
async function checkWindow(ctx: Ctx, orgId: string, input: UpdateWindowInput & { name: string }, previous?: MaintenanceWindow): Promise<WindowFields> {
  const timezone = input.timezone ?? previous?.timezone ?? 'UTC'
  if (!isValidTimezone(timezone)) throw new ValidationError('timezone', `unknown time zone "${timezone}" (use a name like Europe/Berlin)`)
  const targets = input.targets ? await checkTargets(ctx, orgId, input.targets) : previous?.targets ?? { kind: 'all' as const }
  const cron = input.cron !== undefined ? input.cron : previous?.recurrence?.cron
  let recurrence: WindowFields['recurrence'] = null
  if (cron) {
    try { new Cron(cron, { timezone }).nextRun() } catch (err) { throw new ValidationError('cron', `not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`) }
    const durationMinutes = input.durationMinutes ?? previous?.recurrence?.durationMinutes
    if (!durationMinutes) throw new ValidationError('durationMinutes', 'a recurring window needs a duration in minutes')
    recurrence = { cron, durationMinutes }
  }
  const startsAt = input.startsAt !== undefined ? toInstant(input.startsAt, timezone, 'startsAt') : previous?.startsAt ?? null
  const endsAt = input.endsAt !== undefined ? toInstant(input.endsAt, timezone, 'endsAt') : previous?.endsAt ?? null
  if (!recurrence) {
    if (startsAt === null) throw new ValidationError('startsAt', 'a one-off window needs a start (or give cron for a recurring one)')
    if (endsAt === null) throw new ValidationError('endsAt', 'a one-off window needs an end')
  }
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) throw new ValidationError('endsAt', 'the window must end after it starts')
  return {
    name: input.name.trim(), targets, startsAt, endsAt, recurrence, timezone,
    suppress: input.suppress ?? previous?.suppress ?? 'alerts', enabled: input.enabled ?? previous?.enabled ?? true,
  }
}

export async function listMaintenanceWindows(ctx: Ctx, actor: UserActor, orgId?: string): Promise<MaintenanceWindow[]> {
  const orgIds = orgIdsWith(actor.scope, 'alerts:read').filter((id) => !orgId || id === orgId)
  return listWindows(ctx.db, orgIds)
}

export async function getMaintenanceWindow(ctx: Ctx, actor: UserActor, id: string): Promise<MaintenanceWindow> {
  const w = await findWindow(ctx.db, id)
  if (!w || !actor.scope.orgs.get(w.orgId)?.permissions.has('alerts:read')) throw new NotFoundError('maintenance window')
  return w
}

export async function createMaintenanceWindow(ctx: Ctx, actor: UserActor, input: CreateWindowInput): Promise<MaintenanceWindow> {
  const grant = requireOrg(actor.scope, input.orgId, 'alerts:write')
  const fields = await checkWindow(ctx, input.orgId, input)
  const now = ctx.clock.now()
  const row: MaintenanceWindow = { id: newId(), partnerId: grant.partnerId, orgId: input.orgId, ...fields, createdBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null }
  await withTx(ctx.db, async (tx) => {
    await insertWindow(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'maintenance_window.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'maintenance_window', resourceId: row.id, resourceName: row.name })
  })
  return row
}

export async function updateMaintenanceWindow(ctx: Ctx, actor: UserActor, id: string, input: UpdateWindowInput): Promise<MaintenanceWindow> {
  const w = await getMaintenanceWindow(ctx, actor, id)
  requireOrg(actor.scope, w.orgId, 'alerts:write')
  const fields = await checkWindow(ctx, w.orgId, { ...input, name: input.name ?? w.name }, w)
  const next: MaintenanceWindow = { ...w, ...fields, updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateWindowRow(tx, id, next)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'maintenance_window.update', partnerId: w.partnerId, orgId: w.orgId, resourceType: 'maintenance_window', resourceId: id, resourceName: next.name })
  })
  return next
}

export async function deleteMaintenanceWindow(ctx: Ctx, actor: UserActor, id: string) {
  const w = await getMaintenanceWindow(ctx, actor, id)
  requireOrg(actor.scope, w.orgId, 'alerts:write')
  await withTx(ctx.db, async (tx) => {
    await updateWindowRow(tx, id, { deletedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'maintenance_window.delete', partnerId: w.partnerId, orgId: w.orgId, resourceType: 'maintenance_window', resourceId: id, resourceName: w.name })
  })
}
