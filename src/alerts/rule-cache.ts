// The rules that apply to each org, compiled once and kept in memory: a heartbeat must not
// read the rules table. Entries expire after a few seconds so a rule changed by another server
// process (PostgreSQL scale-out) takes effect quickly; changes made here invalidate at once.
import type { AppContext } from '../context'
import { conditionTriggers, isEventCondition, type Trigger } from './conditions'
import { listRulesForOrg, orgPartner, type AlertRule } from './rules-repo'

export type CompiledRule = AlertRule & {
  triggers: Set<Trigger>
  /** Facts beyond the heartbeat that evaluating it needs. */
  needs: { services: boolean; software: boolean; groups: boolean; device: boolean; patches: boolean }
  /** An offline rule: other alerts of an offline device are grouped under its alerts. */
  isOffline: boolean
  /** A software installed/removed rule: fires on the change, never auto-resolves. */
  isEvent: boolean
  hasVolumes: boolean
}

export function compileRule(rule: AlertRule): CompiledRule {
  const items = rule.conditions.items
  const triggers = new Set<Trigger>(items.flatMap(conditionTriggers))
  return {
    ...rule,
    triggers,
    needs: {
      services: items.some((c) => c.type === 'service'),
      software: items.some((c) => c.type === 'software' && (c.event === 'present' || c.event === 'absent')),
      groups: rule.targets.kind === 'groups',
      patches: items.some((c) => c.type === 'patch_missing' || c.type === 'patch_failed'),
      device: rule.targets.kind === 'sites' || items.some((c) => c.type === 'agent_outdated'),
    },
    isOffline: items.some((c) => c.type === 'offline'),
    isEvent: items.some(isEventCondition),
    hasVolumes: items.some((c) => c.type === 'metric' && c.metric === 'disk_volume_percent'),
  }
}

type Entry = {
  at: number; partnerId: string; orgName: string; rules: CompiledRule[]
  /** The rules each trigger re-checks, and the offline rules (correlation). */
  byTrigger: Record<Trigger, CompiledRule[]>; offlineRuleIds: string[]
  /** Rules with process conditions (their globs go to the agents they target). */
  processRules: CompiledRule[]
}

const ttlMs = 10_000

export class RuleCache {
  private byOrg = new Map<string, Entry>()
  private loading = new Map<string, Promise<Entry | null>>()
  /** Bumped by invalidate: a load that began before keeps its answer to itself (it may miss the change). */
  private generation = 0

  /** peek returns a fresh cache entry without waiting, or undefined. */
  peek(orgId: string): Entry | undefined {
    const hit = this.byOrg.get(orgId)
    return hit && Date.now() - hit.at < ttlMs ? hit : undefined
  }

  /** forOrg returns the enabled rules of the org (own + partner-wide), or null for an unknown org. */
  async forOrg(ctx: Pick<AppContext, 'db'>, orgId: string): Promise<Entry | null> {
    const hit = this.byOrg.get(orgId)
    // note: real time, not ctx.clock: tests move the clock by hours and the cache is about freshness.
    if (hit && Date.now() - hit.at < ttlMs) return hit
    let pending = this.loading.get(orgId)
    if (!pending) {
      const p: Promise<Entry | null> = this.load(ctx, orgId).finally(() => { if (this.loading.get(orgId) === p) this.loading.delete(orgId) })
      pending = p
      this.loading.set(orgId, p)
    }
    return pending
  }

  private async load(ctx: Pick<AppContext, 'db'>, orgId: string): Promise<Entry | null> {
    const generation = this.generation
    const org = await orgPartner(ctx.db, orgId)
    if (!org) { this.byOrg.delete(orgId); return null }
    const rules = (await listRulesForOrg(ctx.db, orgId, org.partnerId)).map(compileRule)
    const byTrigger = Object.fromEntries((['heartbeat', 'inventory', 'software', 'services', 'patches', 'tick'] as const).map((tr) => [tr, rules.filter((r) => r.triggers.has(tr))])) as Record<Trigger, CompiledRule[]>
    const entry: Entry = { at: Date.now(), partnerId: org.partnerId, orgName: org.name, rules, byTrigger, offlineRuleIds: rules.filter((r) => r.isOffline).map((r) => r.id),
      processRules: rules.filter((r) => r.conditions.items.some((c) => c.type === 'process_not_running' || c.type === 'process_cpu')) }
    if (generation === this.generation) this.byOrg.set(orgId, entry)
    return entry
  }

  invalidate() {
    this.generation++
    this.byOrg.clear()
    this.loading.clear()
  }
}

const caches = new WeakMap<object, RuleCache>()

/** ruleCacheOf: one cache per running server (keyed by its event bus, which every ctx copy shares). */
export function ruleCacheOf(ctx: Pick<AppContext, 'events'>): RuleCache {
  let c = caches.get(ctx.events)
  if (!c) { c = new RuleCache(); caches.set(ctx.events, c) }
  return c
}
