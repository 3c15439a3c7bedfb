// Keeping dynamic group membership current. Device events mark devices as changed; a job per
// org (`devices.groups.evaluate`, debounced by its run time and unique key) then re-tests just
// those devices against the org's dynamic groups. Heartbeats only matter to rules that test
// live state (status, current load…), so they skip every other group. A sweep job re-tests
// everything periodically, which also covers changes made by other server processes.
import type { AppContext } from '../context'
import { listDynamicGroups } from './group-repo'
import { syncDynamicMembers } from './groups'
import { isVolatile, parseRule, type RuleNode } from './rules'

type Pending = { deviceIds: Set<string>; full: boolean; scheduledAt: number }
type OrgRules = { loadedAt: number; any: boolean; volatile: boolean }

export const groupEvalDelayMs = 2_000
const rulesCacheMs = 30_000
const staleAfterMs = 60_000

/** GroupEvaluator collects changed devices per org and evaluates them in a debounced job. */
export class GroupEvaluator {
  private pending = new Map<string, Pending>()
  private rules = new Map<string, OrgRules>()

  constructor(private ctx: AppContext) {}

  /** changed records that `deviceId` changed; `volatileOnly` when only live state did (a heartbeat). */
  async changed(orgId: string, deviceId: string, volatileOnly: boolean) {
    const kinds = await this.orgRules(orgId)
    if (!kinds.any || (volatileOnly && !kinds.volatile)) return
    let p = this.pending.get(orgId)
    if (!p) { p = { deviceIds: new Set(), full: false, scheduledAt: 0 }; this.pending.set(orgId, p) }
    p.deviceIds.add(deviceId)
    if (!volatileOnly) p.full = true
    // note: one job per org while changes pile up. When another process ran that job (it then
    // evaluates the whole org), the stale entry here is rescheduled after a while.
    const now = this.ctx.clock.now()
    if (now - p.scheduledAt > staleAfterMs) {
      p.scheduledAt = now
      await this.ctx.jobs.enqueue('devices.groups.evaluate', { orgId }, { runAt: now + groupEvalDelayMs })
    }
  }

  /** forget drops the cached rule kinds of an org (its groups changed). */
  forget(orgId: string) {
    this.rules.delete(orgId)
  }

  private async orgRules(orgId: string): Promise<OrgRules> {
    const now = this.ctx.clock.now()
    const cached = this.rules.get(orgId)
    if (cached && now - cached.loadedAt < rulesCacheMs) return cached
    const groups = await listDynamicGroups(this.ctx.db, [orgId])
    const parsed = groups.map((g) => safeParse(g.ruleText)).filter((r): r is RuleNode => r !== null)
    const kinds = { loadedAt: now, any: parsed.length > 0, volatile: parsed.some(isVolatile) }
    this.rules.set(orgId, kinds)
    return kinds
  }

  /** evaluateOrg runs the pending evaluation of one org (all devices when nothing is pending, e.g. after a restart). */
  async evaluateOrg(orgId: string) {
    const p = this.pending.get(orgId)
    this.pending.delete(orgId)
    const amongIds = p ? [...p.deviceIds] : undefined
    for (const group of await listDynamicGroups(this.ctx.db, [orgId])) {
      const rule = safeParse(group.ruleText)
      if (!rule || (p && !p.full && !isVolatile(rule))) continue
      await syncDynamicMembers(this.ctx, group, rule, amongIds)
    }
  }

  /** sweep re-evaluates every dynamic group of every org. */
  async sweep() {
    for (const group of await listDynamicGroups(this.ctx.db)) {
      const rule = safeParse(group.ruleText)
      if (rule) await syncDynamicMembers(this.ctx, group, rule)
    }
  }
}

function safeParse(text: string | null): RuleNode | null {
  try { return text ? parseRule(text) : null } catch { return null }
}

const evaluators = new WeakMap<AppContext['events'], GroupEvaluator>()

/** forgetGroupRules tells the running server that an org's groups changed (after create/update/delete). */
export function forgetGroupRules(ctx: Pick<AppContext, 'events'>, orgId: string) {
  evaluators.get(ctx.events)?.forget(orgId)
}

/** groupEvaluator is the evaluator of a running server (one per event bus). */
export function groupEvaluator(ctx: AppContext): GroupEvaluator {
  let e = evaluators.get(ctx.events)
  if (!e) { e = new GroupEvaluator(ctx); evaluators.set(ctx.events, e) }
  return e
}
