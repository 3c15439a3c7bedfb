// Process watch: the agent counts, every heartbeat, the processes matching the globs that
// process rules (process_not_running, process_cpu) targeting its device name. The server
// tells it those globs in each heartbeat answer, and over its socket when a rule is saved.
import type { AppContext } from '../context'
import { processGlobs } from './conditions'
import { deviceGroupIds } from './facts-repo'
import { ruleCacheOf } from './rule-cache'
import { targetsMatch, type TargetDevice } from './targets'

/** At most this many globs per device (the protocol's cap). */
export const maxWatchedProcesses = 50

/** processWatchFor: the process globs the enabled rules targeting this device watch (sorted, unique). */
export async function processWatchFor(ctx: AppContext, device: TargetDevice): Promise<string[]> {
  const cache = ruleCacheOf(ctx)
  const entry = cache.peek(device.orgId) ?? (await cache.forOrg(ctx, device.orgId))
  if (!entry || entry.processRules.length === 0) return []
  let groups: Promise<string[]> | null = null
  const out = new Set<string>()
  for (const r of entry.processRules) {
    if (!(await targetsMatch(r.targets, device, () => (groups ??= deviceGroupIds(ctx.db, device.id))))) continue
    for (const g of processGlobs(r.conditions)) out.add(g)
  }
  return [...out].sort().slice(0, maxWatchedProcesses)
}
