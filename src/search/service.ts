// Global search over everything the caller may see: devices, organizations, scripts, alerts,
// tickets (src/search/providers.ts). Results come grouped by kind, each kind asked in parallel.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { permissionsAnywhere } from '../tenancy/scope'
import type { SearchGroup } from './model'
import { searchProviders, type SearchProvider } from './providers'

export const minQueryLength = 2

/** searchEverything runs `q` through every provider the caller holds the permission for. */
export async function searchEverything(ctx: AppContext, actor: UserActor, q: string, opts: { limit?: number; providers?: SearchProvider[] } = {}): Promise<SearchGroup[]> {
  const text = q.trim()
  if (text.length < minQueryLength) return []
  const held = permissionsAnywhere(actor.scope)
  const providers = (opts.providers ?? searchProviders).filter((p) => held.has(p.permission))
  const groups = await Promise.all(providers.map(async (p) => ({ kind: p.kind, label: p.label, results: await p.search(ctx, actor, text, opts.limit ?? 5) })))
  return groups.filter((g) => g.results.length > 0)
}
