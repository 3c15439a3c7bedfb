// The home dashboard (`/`, handed over by system/routes.tsx), its customize page and its API.
import { Elysia, t } from 'elysia'
import { CustomizePage, DashboardPage, type ScopeChoice } from '../../views/dashboard/dashboard'
import type { AppContext } from '../context'
import { countVisibleDevices } from '../devices/service'
import { userOf, actorPlugin } from '../web/actor-plugin'
import { parseForm } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { localPath, redirect, render } from '../web/render'
import { ValidationError } from '../lib/errors'
import './builtin'
import { registeredWidgets, type DashboardScope } from './registry'
import { availableWidgets, layoutOf, loadDashboard, moveWidget, narrowActor, parseScope, saveLayout, scopeOptions, scopeText, setVisible } from './service'

const tags = ['dashboard']
const widgetKey = t.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9-]{0,39}$' })
const layoutBody = t.Object({ widgets: t.Array(t.Object({ key: widgetKey, visible: t.Boolean() }), { maxItems: 100 }) })
const layoutForm = t.Object({
  order: t.Array(widgetKey, { maxItems: 100 }),
  visible: t.Optional(t.Array(widgetKey, { maxItems: 100 })),
  move: t.Optional(t.String({ maxLength: 50, pattern: '^[a-z][a-z0-9-]{0,39}:(up|down)$' })),
})
const scopeQuery = t.Object({ scope: t.Optional(t.String({ maxLength: 80, description: 'all, partner:<id> or org:<id>; default: the active organization, else all' })) })

/** dashboardPage renders the dashboard for the signed-in user in the chosen scope. */
export async function dashboardPage(ctx: AppContext, c: PageContext & { query: Record<string, string | undefined> }) {
  const actor = userOf(c.actor)
  const page = await pageProps(ctx, c)
  const raw = c.query.scope
  if (raw !== undefined && (typeof raw !== 'string' || raw.length > 80)) throw new ValidationError('scope', 'scope must be all, partner:<id> or org:<id>')
  const scope = parseScope(actor, raw, page.activeOrgId)
  const [{ widgets, hidden }, options, visibleDevices] = await Promise.all([loadDashboard(ctx, actor, scope), scopeOptions(ctx, actor), countVisibleDevices(ctx, narrowActor(actor, scope))])
  const choices: ScopeChoice[] = [
    { value: 'all', label: 'All your devices' },
    ...(options.partners.length > 1 ? options.partners.map((p) => ({ value: `partner:${p.id}`, label: `Partner: ${p.name}` })) : []),
    ...options.orgs.map((o) => ({ value: `org:${o.id}`, label: o.name })),
  ]
  const subtitle = scope.kind === 'all' ? 'All your devices' : scope.kind === 'org' ? `Organization: ${options.orgs.find((o) => o.id === scope.id)?.name ?? ''}` : `Partner: ${options.partners.find((p) => p.id === scope.id)?.name ?? ''}`
  return render(c, <DashboardPage page={page} widgets={widgets} hidden={hidden} choices={choices} scope={scopeText(scope)} subtitle={subtitle} now={ctx.clock.now()}
    orgId={scope.kind === 'org' ? scope.id : undefined} noDevices={visibleDevices === 0} canEnroll={page.can.includes('enrollment:write')} />)
}

export function dashboardRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.dashboard' })
    .use(actorPlugin(ctx))
    .get('/dashboard/customize', async (c) => {
      const actor = userOf(c.actor)
      const allowed = new Set(availableWidgets(actor).map((w) => w.key))
      const layout = (await layoutOf(ctx, actor)).filter((e) => allowed.has(e.key))
      return render(c, <CustomizePage page={await pageProps(ctx, c)} layout={layout} defs={Object.fromEntries(registeredWidgets().map((w) => [w.key, w]))} />)
    })
    .post('/dashboard/layout', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(layoutForm, c.body)
      if (!form.ok) throw new ValidationError(Object.keys(form.errors)[0], Object.values(form.errors)[0])
      const visible = new Set(form.value.visible ?? [])
      // note: widgets the caller may not see are not in the form: keep their stored visibility.
      const stored = await layoutOf(ctx, actor)
      const inForm = new Set(form.value.order)
      const entries = [...form.value.order.map((key) => ({ key, visible: visible.has(key) })), ...stored.filter((e) => !inForm.has(e.key))]
      await saveLayout(ctx, actor, entries)
      if (form.value.move) {
        const [key, dir] = form.value.move.split(':') as [string, 'up' | 'down']
        await moveWidget(ctx, actor, key, dir)
        return redirect(c, '/dashboard/customize')
      }
      return redirect(c, '/')
    })
    .post('/dashboard/widgets/:key/hide', async (c) => {
      await setVisible(ctx, userOf(c.actor), c.params.key, false)
      const back = typeof (c.body as { back?: unknown } | null)?.back === 'string' ? localPath((c.body as { back: string }).back) : '/'
      return redirect(c, back)
    }, { params: t.Object({ key: widgetKey }) })
    .get('/api/v1/dashboard', async (c) => {
      const actor = userOf(c.actor)
      const scope: DashboardScope = parseScope(actor, c.query.scope, null)
      const { widgets } = await loadDashboard(ctx, actor, scope)
      return { scope: scopeText(scope), widgets: widgets.map((w) => ({ key: w.def.key, title: w.def.title, data: w.data, error: w.error })) }
    }, { query: scopeQuery, detail: { summary: 'The home dashboard\'s widgets with their data, in your order (shown ones only), for all, partner:<id> or org:<id>', tags } })
    .get('/api/v1/dashboard/layout', async (c) => {
      const actor = userOf(c.actor)
      const defs = Object.fromEntries(registeredWidgets().map((w) => [w.key, w]))
      return { widgets: (await layoutOf(ctx, actor)).map((e) => ({ ...e, title: defs[e.key].title, description: defs[e.key].description })) }
    }, { detail: { summary: 'Your dashboard arrangement: every widget in order, shown or hidden', tags } })
    .put('/api/v1/dashboard/layout', async (c) => ({ widgets: await saveLayout(ctx, userOf(c.actor), c.body.widgets) }),
      { body: layoutBody, detail: { summary: 'Arrange your dashboard: widgets in order with visible true/false (widgets not listed follow, shown)', tags } })
}
