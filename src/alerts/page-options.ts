// Choices the alerting forms offer (owners, sites, groups, devices) and turning their posted
// fields into the shapes model.ts validates.
import type { Static, TSchema } from '@sinclair/typebox'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import type { Permission } from '../tenancy/permissions'
import { listLivePartners, listOrgNames, listSites } from '../tenancy/repo'
import { orgIdsWith, partnerIdsWith } from '../tenancy/scope'
import { checkValues } from '../web/forms'
import { devicesOfOrgs, groupsOfOrgs } from './facts-repo'

export type Option = { id: string; name: string }

/** ownerOptions: `org:<id>` and `partner:<id>` choices where the actor holds `perm`. */
export async function ownerOptions(ctx: Pick<AppContext, 'db'>, actor: UserActor, perm: Permission) {
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, perm))
  const partners = await listLivePartners(ctx.db, partnerIdsWith(actor.scope, perm))
  return [...orgs.map((o) => ({ value: `org:${o.id}`, label: o.name })), ...partners.map((p) => ({ value: `partner:${p.id}`, label: `${p.name}: all organizations` }))]
}

export function ownerFromValue(value: unknown): { orgId?: string; partnerId?: string } {
  const [kind, id] = String(value ?? '').split(':')
  return kind === 'org' && id ? { orgId: id } : kind === 'partner' && id ? { partnerId: id } : {}
}

export async function orgNameMap(ctx: Pick<AppContext, 'db'>, actor: UserActor): Promise<Record<string, string>> {
  return Object.fromEntries((await listOrgNames(ctx.db, [...actor.scope.orgs.keys()])).map((o) => [o.id, o.name]))
}

/** ownerNames: org and partner names for "applies to" columns. */
export async function ownerNames(ctx: Pick<AppContext, 'db'>, actor: UserActor): Promise<Record<string, string>> {
  const names = await orgNameMap(ctx, actor)
  for (const p of await listLivePartners(ctx.db, [...actor.scope.partners.keys(), ...[...actor.scope.orgs.values()].map((g) => g.partnerId)])) names[p.id] = p.name
  return names
}

/** targetOptions: sites, groups and devices of the orgs, labelled with the org when there are several. */
export async function targetOptions(ctx: Pick<AppContext, 'db'>, orgIds: string[]) {
  const names = Object.fromEntries((await listOrgNames(ctx.db, orgIds)).map((o) => [o.id, o.name]))
  const label = (orgId: string, name: string) => (orgIds.length > 1 ? `${names[orgId] ?? ''} · ${name}` : name)
  const sites = (await listSites(ctx.db, orgIds)).map((r) => ({ id: r.site.id, name: label(r.site.orgId, r.site.name) }))
  const groups = (await groupsOfOrgs(ctx.db, orgIds)).map((g) => ({ id: g.id, name: label(g.orgId, g.name) }))
  const devices = (await devicesOfOrgs(ctx.db, orgIds)).map((d) => ({ id: d.id, name: label(d.orgId, d.name) }))
  return { sites, groups, devices }
}

type Body = Record<string, unknown>

export function last(body: Body, key: string): string | undefined {
  const v = body[key]
  // note: condition kinds share field names (name, minutes, durationMinutes) in blocks the form
  // only hides, so the browser sends each; the filled one counts, not an empty hidden one.
  const one = Array.isArray(v) ? v.findLast((x) => x !== undefined && x !== null && x !== '') : v
  return one === undefined || one === null || one === '' ? undefined : String(one)
}

export function list(body: Body, key: string): string[] {
  const v = body[key]
  return (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(String).filter((x) => x !== '')
}

/** num: a posted number; text that is not one stays text so validation names the field. */
export function num(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : value
}

/** targetsFrom reads targets.kind and the id list of that kind (targets.siteIds / groupIds / deviceIds). */
export function targetsFrom(body: Body) {
  const kind = last(body, 'targets.kind') ?? 'all'
  const key = kind === 'sites' ? 'targets.siteIds' : kind === 'groups' ? 'targets.groupIds' : 'targets.deviceIds'
  return kind === 'all' ? { kind } : { kind, ids: list(body, key) }
}

/**
 * pageQuery reads a filter form's query string for a page: empty fields are "any", and a field
 * that does not validate is ignored (a page never fails over a stale bookmark).
 */
export function pageQuery<S extends TSchema>(schema: S, raw: Record<string, unknown>): Static<S> {
  const values = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '' && v !== undefined && v !== null).map(([k, v]) => [k, /^\d+$/.test(String(v)) && ['page', 'limit', 'from', 'to', 'days'].includes(k) ? Number(v) : v]))
  const first = checkValues(schema, values)
  if (first.ok) return first.value
  const bad = new Set(Object.keys(first.errors).map((k) => k.split('.')[0]))
  const second = checkValues(schema, Object.fromEntries(Object.entries(values).filter(([k]) => !bad.has(k))))
  return second.ok ? second.value : ({} as Static<S>)
}
