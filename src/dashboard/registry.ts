// The home dashboard's widgets. A domain adds one with registerWidget: a key, a title, the
// permission it needs, a loader that reads real data through the (scope-narrowed) caller, and
// a view. The dashboard shows every registered widget the user may see, in the user's order.
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import type { Permission } from '../tenancy/permissions'

/** The dashboard's scope: everything the user sees, one partner's organizations, or one organization. */
export type DashboardScope = { kind: 'all' } | { kind: 'partner'; id: string } | { kind: 'org'; id: string }

export type WidgetLoad = {
  ctx: AppContext
  /** The caller narrowed to the chosen scope: services called with it see only that scope. */
  actor: UserActor
  scope: DashboardScope
  /** The org to put in links into other pages (`orgId=`), when the scope is one org. */
  orgId: string | undefined
  now: number
  /** once shares one read between the widgets of a request (several show parts of the same figures). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>
}

export type WidgetRender = { now: number; orgId: string | undefined; csrf: string }

export type WidgetDef<T = unknown> = {
  key: string
  title: string
  description: string
  /** Needed somewhere in the scope; without it the widget is not offered. */
  permission: Permission
  /** How wide the card is on a large screen. */
  size: 'full' | 'half'
  load(w: WidgetLoad): Promise<T>
  /** The card's body (the dashboard draws the card, title and hide button). Escape what came from users or endpoints. */
  view(data: T, r: WidgetRender): JSX.Element
}

const widgets: WidgetDef[] = []

/** registerWidget adds a widget (once per key; later domains call it when their routes are built). */
export function registerWidget<T>(def: WidgetDef<T>): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(def.key)) throw new Error(`widget key ${def.key}: lower-case letters, digits and -`)
  const i = widgets.findIndex((w) => w.key === def.key)
  if (i >= 0) widgets[i] = def as WidgetDef
  else widgets.push(def as WidgetDef)
}

/** registeredWidgets: every widget, in registration order (the default order). */
export function registeredWidgets(): readonly WidgetDef[] {
  return widgets
}

export function findWidget(key: string): WidgetDef | undefined {
  return widgets.find((w) => w.key === key)
}
