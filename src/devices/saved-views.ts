// Saved views of the device list: a name for a set of filters, columns and density, kept per
// user on the server (so they follow the user to another browser). A view holds no tenant
// data: opening one runs the device list through the caller's scope as always.
// note: no audit rows — a view is the user's own display preference, like the columns chooser.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { ConflictError, NotFoundError } from '../lib/errors'
import { newId } from '../lib/ids'
import { chosenColumns, defaultColumns } from './columns'
import { parseQuery } from './service'
import { maxSavedViews, viewFilterKeys, type CreateSavedViewInput, type Density, type UpdateSavedViewInput } from './model'
import { countSavedViewsOf, deleteSavedViewRow, findSavedViewByName, findSavedViewOf, insertSavedView, listSavedViewsOf, updateSavedViewRow, type SavedView } from './saved-views-repo'

type Ctx = Pick<AppContext, 'db' | 'clock'>

export type { SavedView }

/** viewFilters keeps the known, non-empty filter values (what a view stores and compares). */
export function viewFilters(q: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of viewFilterKeys) if (typeof q[k] === 'string' && q[k]) out[k] = q[k] as string
  return out
}

/** sameView: does the list as shown (filters, columns, density) match this saved view? */
export function sameView(view: SavedView, shown: { filters: Record<string, string>; columns: string[]; density: Density }): boolean {
  const f = (x: Record<string, string>) => JSON.stringify(Object.entries(x).sort())
  return f(view.filters) === f(shown.filters) && view.columns.join(',') === shown.columns.join(',') && view.density === shown.density
}

export async function listSavedViews(ctx: Ctx, actor: UserActor): Promise<SavedView[]> {
  return listSavedViewsOf(ctx.db, actor.user.id)
}

/** getSavedView: the caller's own view (anyone else's is not found). */
export async function getSavedView(ctx: Ctx, actor: UserActor, id: string): Promise<SavedView> {
  const view = await findSavedViewOf(ctx.db, actor.user.id, id)
  if (!view) throw new NotFoundError('view')
  return view
}

/** createSavedView saves a view under a new name (at most maxSavedViews per user). */
export async function createSavedView(ctx: Ctx, actor: UserActor, input: CreateSavedViewInput): Promise<SavedView> {
  const name = input.name.trim()
  if (input.filters?.q) parseQuery(input.filters.q)
  if (await findSavedViewByName(ctx.db, actor.user.id, name)) throw new ConflictError(`you already have a view called "${name}"`, 'name')
  if ((await countSavedViewsOf(ctx.db, actor.user.id)) >= maxSavedViews) throw new ConflictError(`at most ${maxSavedViews} saved views; delete one first`, 'name')
  const now = ctx.clock.now()
  const view: SavedView = {
    id: newId(), userId: actor.user.id, name, filters: viewFilters(input.filters ?? {}), columns: chosenColumns((input.columns ?? defaultColumns).join(',')),
    density: input.density ?? 'comfortable', createdAt: now, updatedAt: now,
  }
  await insertSavedView(ctx.db, view)
  return view
}

/** updateSavedView renames a view or changes what it shows. */
export async function updateSavedView(ctx: Ctx, actor: UserActor, id: string, patch: UpdateSavedViewInput): Promise<SavedView> {
  const view = await getSavedView(ctx, actor, id)
  if (patch.filters?.q) parseQuery(patch.filters.q)
  const name = patch.name?.trim() ?? view.name
  if (name !== view.name) {
    const other = await findSavedViewByName(ctx.db, actor.user.id, name)
    if (other && other.id !== id) throw new ConflictError(`you already have a view called "${name}"`, 'name')
  }
  const next: SavedView = {
    ...view, name, filters: patch.filters ? viewFilters(patch.filters) : view.filters, columns: patch.columns ? chosenColumns(patch.columns.join(',')) : view.columns,
    density: patch.density ?? view.density, updatedAt: ctx.clock.now(),
  }
  await updateSavedViewRow(ctx.db, id, { name: next.name, filters: next.filters, columns: next.columns, density: next.density, updatedAt: next.updatedAt })
  return next
}

export async function deleteSavedView(ctx: Ctx, actor: UserActor, id: string): Promise<void> {
  await getSavedView(ctx, actor, id)
  await deleteSavedViewRow(ctx.db, id)
}
