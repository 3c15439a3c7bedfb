// Maintenance window pages: list, create, edit, delete.
import { Elysia, t } from 'elysia'
import { MaintenanceFormPage, MaintenancePage, type WindowRow } from '../../views/alerts/maintenance'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listOrgNames } from '../tenancy/repo'
import { orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { createMaintenanceWindow, deleteMaintenanceWindow, getMaintenanceWindow, listMaintenanceWindows, nextOccurrence, updateMaintenanceWindow, windowActiveUntil } from './maintenance'
import type { MaintenanceWindow } from './maintenance-repo'
import { createWindowBody, updateWindowBody } from './model'
import { last, num, orgNameMap, targetOptions, targetsFrom } from './page-options'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
const timezones = Intl.supportedValuesOf('timeZone')

/** windowFormValues: the editor's fields; the schedule choice decides which times are sent. */
function windowFormValues(body: unknown): FormValues {
  const b = (body ?? {}) as Record<string, unknown>
  const recurring = last(b, 'schedule') === 'recurring'
  return {
    name: last(b, 'name'), orgId: last(b, 'orgId'), targets: targetsFrom(b), timezone: last(b, 'timezone') ?? 'UTC', suppress: last(b, 'suppress') ?? 'alerts', enabled: b.enabled === 'true',
    schedule: recurring ? 'recurring' : 'once',
    ...(recurring ? { cron: last(b, 'cron') ?? '', durationMinutes: num(last(b, 'durationMinutes')) } : { startsAt: last(b, 'startsAt') ?? '', endsAt: last(b, 'endsAt') ?? '' }),
  }
}

const forApi = (v: FormValues) => Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== undefined && x !== '' && k !== 'schedule'))

/** localInput: an instant as the datetime-local value in the window's zone. */
function localInput(ms: number | null, tz: string): string | undefined {
  if (ms === null) return undefined
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`
}

export function maintenanceRoutes(ctx: AppContext) {
  async function formPage(c: PageContext, actor: UserActor, window: MaintenanceWindow | null, values: FormValues, errors?: FieldErrors, status = 200) {
    const orgIds = window ? [window.orgId] : orgIdsWith(actor.scope, 'alerts:write')
    const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'alerts:write'))
    return render(c, <MaintenanceFormPage page={await pageProps(ctx, c)} window={window} values={values} errors={errors} orgs={orgs} {...(await targetOptions(ctx, orgIds))} timezones={timezones} />, status)
  }

  return new Elysia({ name: 'breeze.alerts.maintenance' })
    .use(actorPlugin(ctx))
    .get('/alerts/maintenance', async (c) => {
      const actor = userOf(c.actor)
      const now = ctx.clock.now()
      const orgNames = await orgNameMap(ctx, actor)
      const windows = await listMaintenanceWindows(ctx, actor)
      const options = await targetOptions(ctx, [...new Set(windows.map((w) => w.orgId))])
      const nameOf = (id: string) => [...options.sites, ...options.groups, ...options.devices].find((o) => o.id === id)?.name ?? id
      const rows: WindowRow[] = windows.map((w) => ({
        ...w, activeUntil: windowActiveUntil(w, now), next: nextOccurrence(w, now), orgName: orgNames[w.orgId] ?? '',
        targetText: w.targets.kind === 'all' ? 'All devices' : `${w.targets.kind}: ${w.targets.ids.map(nameOf).join(', ')}`,
      }))
      return render(c, <MaintenancePage page={await pageProps(ctx, c)} windows={rows} canWrite={orgIdsWith(actor.scope, 'alerts:write').length > 0} />)
    })
    .get('/alerts/maintenance/new', async (c) => formPage(c, userOf(c.actor), null, { timezone: 'UTC', suppress: 'alerts', enabled: true, schedule: 'once' }))
    .post('/alerts/maintenance', async (c) => {
      const actor = userOf(c.actor)
      const values = windowFormValues(c.body)
      const form = checkValues(createWindowBody, forApi(values))
      if (!form.ok) return formPage(c, actor, null, values, form.errors, 400)
      try {
        const w = await createMaintenanceWindow(ctx, actor, form.value)
        setFlash(c.cookie, { kind: 'success', text: `Maintenance window "${w.name}" saved.` })
        return redirect(c, '/alerts/maintenance')
      } catch (err) {
        return formPage(c, actor, null, values, fieldErrorsOf(err), 400)
      }
    })
    .get('/alerts/maintenance/:id', async (c) => {
      const actor = userOf(c.actor)
      const w = await getMaintenanceWindow(ctx, actor, c.params.id)
      const values: FormValues = {
        ...w, schedule: w.recurrence ? 'recurring' : 'once', cron: w.recurrence?.cron, durationMinutes: w.recurrence?.durationMinutes,
        startsAt: localInput(w.startsAt, w.timezone), endsAt: localInput(w.endsAt, w.timezone),
      }
      return formPage(c, actor, w, values)
    }, { params: idParams })
    .post('/alerts/maintenance/:id', async (c) => {
      const actor = userOf(c.actor)
      const w = await getMaintenanceWindow(ctx, actor, c.params.id)
      const values = windowFormValues(c.body)
      const { orgId: _, schedule, ...fields } = values
      // Switching between once and recurring clears the other schedule ('' = none).
      const patch = schedule === 'recurring' ? { ...fields, startsAt: '', endsAt: '' } : { ...fields, cron: '' }
      const form = checkValues(updateWindowBody, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)))
      if (!form.ok) return formPage(c, actor, w, values, form.errors, 400)
      try {
        await updateMaintenanceWindow(ctx, actor, w.id, form.value)
        setFlash(c.cookie, { kind: 'success', text: 'Maintenance window saved.' })
        return redirect(c, '/alerts/maintenance')
      } catch (err) {
        return formPage(c, actor, w, values, fieldErrorsOf(err), 400)
      }
    }, { params: idParams })
    .post('/alerts/maintenance/:id/delete', async (c) => {
      await deleteMaintenanceWindow(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Maintenance window deleted.' })
      return redirect(c, '/alerts/maintenance')
    }, { params: idParams })
}
