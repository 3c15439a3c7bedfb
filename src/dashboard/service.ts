// The home dashboard: which scope it shows (everything, a partner, an organization), the
// user's arrangement of widgets, and the widgets' data read through the narrowed caller.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { NotFoundError, ValidationError } from '../lib/errors'
import { listLivePartners, listOrgNames } from '../tenancy/repo'
import { orgIdsWith, permissionsAnywhere, type OrgGrant, type Scope } from '../tenancy/scope'
import type { Permission } from '../tenancy/permissions'
import { findLayout, upsertLayout, type LayoutEntry } from './layout-repo'
import { findWidget, registeredWidgets, type DashboardScope, type WidgetDef } from './registry'

/** scopeText: `all`, `partner:<id>` or `org:<id>` (the page's scope switch and the API's `scope`). */
export function scopeText(s: DashboardScope): string {
  return s.kind === 'all' ? 'all' : `${s.kind}:${s.id}`
}

/** parseScope reads a scope the caller may use: 400 on a malformed one, 404 for a partner or org outside the caller's scope. */
export function parseScope(actor: UserActor, text: string | undefined, fallbackOrgId: string | null): DashboardScope {
  if (!text) return fallbackOrgId && actor.scope.orgs.has(fallbackOrgId) ? { kind: 'org', id: fallbackOrgId } : { kind: 'all' }
  if (text === 'all') return { kind: 'all' }
  const m = /^(partner|org):([A-Za-z0-9-]{1,64})$/.exec(text)
  if (!m) throw new ValidationError('scope', 'scope must be all, partner:<id> or org:<id>')
  if (m[1] === 'org') {
    if (!actor.scope.orgs.has(m[2])) throw new NotFoundError('organization')
    return { kind: 'org', id: m[2] }
  }
  if (!partnerIdsOf(actor.scope).includes(m[2])) throw new NotFoundError('partner')
  return { kind: 'partner', id: m[2] }
}

/** partnerIdsOf: the partners whose organizations (or partner level) the scope reaches. */
function partnerIdsOf(scope: Scope): string[] {
  return [...new Set([...scope.partners.keys(), ...[...scope.orgs.values()].map((g) => g.partnerId)])]
}

/** narrowActor limits the caller to the chosen scope (never widens it): one partner's orgs, or one org. */
export function narrowActor(actor: UserActor, s: DashboardScope): UserActor {
  if (s.kind === 'all') return actor
  const orgs = new Map<string, OrgGrant>()
  for (const [id, grant] of actor.scope.orgs) if (s.kind === 'org' ? id === s.id : grant.partnerId === s.id) orgs.set(id, grant)
  const partners = new Map<string, Set<Permission>>()
  if (s.kind === 'partner' && actor.scope.partners.has(s.id)) partners.set(s.id, actor.scope.partners.get(s.id)!)
  return { ...actor, scope: { userId: actor.scope.userId, platformAdmin: false, partners, orgs } }
}

/** scopeOptions: the partners and organizations the scope switch offers. */
export async function scopeOptions(ctx: Pick<AppContext, 'db'>, actor: UserActor) {
  const [partners, orgs] = await Promise.all([listLivePartners(ctx.db, partnerIdsOf(actor.scope)), listOrgNames(ctx.db, [...actor.scope.orgs.keys()])])
  return { partners: partners.map((p) => ({ id: p.id, name: p.name })), orgs, scopedOrgs: orgIdsWith(actor.scope, 'devices:read').length }
}

/** layoutOf: the user's arrangement over every registered widget (new widgets appear at the end, shown). */
export async function layoutOf(ctx: Pick<AppContext, 'db'>, actor: UserActor): Promise<LayoutEntry[]> {
  const stored = (await findLayout(ctx.db, actor.user.id)) ?? []
  const known = stored.filter((e) => findWidget(e.key))
  const seen = new Set(known.map((e) => e.key))
  return [...known, ...registeredWidgets().filter((w) => !seen.has(w.key)).map((w) => ({ key: w.key, visible: true }))]
}

/** saveLayout stores the user's order and visibility; unknown or repeated keys are a 400 on `widgets`. */
export async function saveLayout(ctx: Pick<AppContext, 'db' | 'clock'>, actor: UserActor, entries: LayoutEntry[]): Promise<LayoutEntry[]> {
  const seen = new Set<string>()
  for (const e of entries) {
    if (!findWidget(e.key)) throw new ValidationError('widgets', `unknown widget ${e.key}; known: ${registeredWidgets().map((w) => w.key).join(', ')}`)
    if (seen.has(e.key)) throw new ValidationError('widgets', `widget ${e.key} is listed twice`)
    seen.add(e.key)
  }
  const full = [...entries, ...registeredWidgets().filter((w) => !seen.has(w.key)).map((w) => ({ key: w.key, visible: true }))]
  await upsertLayout(ctx.db, actor.user.id, full, ctx.clock.now())
  return full
}

/** setVisible shows or hides one widget, keeping the rest of the arrangement. */
export async function setVisible(ctx: Pick<AppContext, 'db' | 'clock'>, actor: UserActor, key: string, visible: boolean) {
  if (!findWidget(key)) throw new NotFoundError('widget')
  const layout = await layoutOf(ctx, actor)
  return saveLayout(ctx, actor, layout.map((e) => (e.key === key ? { ...e, visible } : e)))
}

/** moveWidget moves one widget up or down the user's order. */
export async function moveWidget(ctx: Pick<AppContext, 'db' | 'clock'>, actor: UserActor, key: string, dir: 'up' | 'down') {
  const layout = await layoutOf(ctx, actor)
  const i = layout.findIndex((e) => e.key === key)
  if (i < 0) throw new NotFoundError('widget')
  const j = dir === 'up' ? i - 1 : i + 1
  if (j >= 0 && j < layout.length) [layout[i], layout[j]] = [layout[j], layout[i]]
  return saveLayout(ctx, actor, layout)
}

export type LoadedWidget = { def: WidgetDef; data: unknown; error: string | null }

/** availableWidgets: the widgets this caller may see in the scope (its permission somewhere there). */
export function availableWidgets(actor: UserActor): WidgetDef[] {
  const perms = permissionsAnywhere(actor.scope)
  return registeredWidgets().filter((w) => perms.has(w.permission))
}

/** loadDashboard reads the data of every shown widget, in the user's order, through the caller narrowed to `scope`. */
export async function loadDashboard(ctx: AppContext, actor: UserActor, scope: DashboardScope): Promise<{ widgets: LoadedWidget[]; hidden: WidgetDef[] }> {
  const narrowed = narrowActor(actor, scope)
  const allowed = new Set(availableWidgets(narrowed).map((w) => w.key))
  const layout = (await layoutOf(ctx, actor)).filter((e) => allowed.has(e.key))
  const shown = layout.filter((e) => e.visible).map((e) => findWidget(e.key)!)
  const now = ctx.clock.now()
  const orgId = scope.kind === 'org' ? scope.id : undefined
  const shared = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, fn: () => Promise<T>) => {
    if (!shared.has(key)) shared.set(key, fn())
    return shared.get(key) as Promise<T>
  }
  const widgets = await Promise.all(shown.map(async (def): Promise<LoadedWidget> => {
    try {
      return { def, data: await def.load({ ctx, actor: narrowed, scope, orgId, now, once }), error: null }
    } catch (err) {
      ctx.log.error('dashboard widget failed', { widget: def.key, err })
      return { def, data: null, error: 'This widget could not be loaded.' }
    }
  }))
  return { widgets, hidden: layout.filter((e) => !e.visible).map((e) => findWidget(e.key)!) }
}
