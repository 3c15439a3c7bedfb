// Device pages: the list (filters, columns, bulk actions) and the detail tabs.
import { Elysia, t } from 'elysia'
import { DevicesPage, DeviceTable, listHref, type DeviceListFilters } from '../../views/devices/list'
import {
  HardwareTab, HistoryTab, MetricsTab, NetworkTab, OverviewTab, SoftwareTab, SoftwareTable, type DeviceHeader,
} from '../../views/devices/detail'
import { CustomFieldsCard } from '../../views/devices/custom-fields'
import { ServicesTab, ServicesTable } from '../../views/devices/services'
import { InventoryTimeTab, type InventoryView } from '../../views/devices/inventory-history'
import { searchAlerts } from '../alerts/alerts'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { AppError, ForbiddenError, ValidationError } from '../lib/errors'
import { can } from '../tenancy/scope'
import { listSites } from '../tenancy/sites'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { assetUrls } from '../web/assets'
import { isoDateText } from '../web/model-types'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { htmxTarget, isHtmx } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { localPath, redirect, render, setFlash } from '../web/render'
import { StepUpRequiredError } from '../auth/fleet-guard'
import { idsMatchingFilter, runBulkAction } from './bulk'
import { checkIn } from '../device-actions/power'
import { bulkPowerFromList } from '../device-actions/power-bulk'
import { deviceColumns } from './columns'
import { readListPrefs, writeListPrefs } from './list-prefs'
import { createSavedView, deleteSavedView, getSavedView, listSavedViews, sameView, viewFilters } from './saved-views'
import { groupOptions } from './groups'
import { groupsOfDevice } from './group-repo'
import { updateCustomFields, type CustomFieldView } from './custom-fields'
import { listCustomFields } from './custom-fields-repo'
import { endMaintenance, maintenanceSpan, startMaintenance } from './maintenance'
import { getInventoryAt, getInventoryDiff } from './inventory-history'
import { bulkActions, bulkBody, changesQuery, createSavedViewBody, customFieldForm, deviceListPageQuery, deviceListQuery, idParams, servicesQuery, startMaintenanceBody, updateDeviceBody, type DeviceListQuery } from './model'
import { canOnDevice, deviceHeader } from './header'
import { listNetwork as listNetworkRows } from './repo'
import { type DevicePage, countVisibleDevices, decommissionDevice, deviceName, getChanges, getDevice, getHardware, getNetwork, getServices, getServiceStates, getSoftware, listDevices, updateDevice } from './service'


const filterKeys = ['orgId', 'siteId', 'groupId', 'os', 'status', 'tag', 'search', 'q', 'sort', 'order'] as const

function filtersOf(q: Record<string, unknown>): DeviceListFilters {
  const out: DeviceListFilters = {}
  for (const k of filterKeys) if (typeof q[k] === 'string' && q[k]) out[k] = q[k] as string
  return out
}

/** splitList turns "a, b,c" into ['a', 'b', 'c']. */
function splitList(value: unknown): string[] {
  return [value ?? []].flat().join(',').split(',').map((s) => String(s).trim()).filter(Boolean)
}

/** formDuration reads a maintenance duration field: "" is the "Until turned off" choice (null). */
function formDuration(value: unknown): number | null {
  const minutes = String(value ?? '').trim()
  return minutes === '' ? null : Number(minutes)
}

export function deviceRoutes(ctx: AppContext) {
  const header = (actor: UserActor, id: string): Promise<DeviceHeader> => deviceHeader(ctx, actor, id)

  async function overview(c: PageContext, id: string, extra: { values?: FormValues; errors?: FieldErrors; maintenanceErrors?: FieldErrors } = {}, status = 200) {
    const actor = userOf(c.actor)
    const h = await header(actor, id)
    const [groups, network, sites, alerts, customFields] = await Promise.all([
      groupsOfDevice(ctx.db, id),
      listNetworkRows(ctx.db, id),
      h.canWrite ? listSites(ctx, actor, { orgId: h.device.orgId }) : Promise.resolve([]),
      can(actor.scope, 'alerts:read', h.device.orgId) ? searchAlerts(ctx, actor, { deviceId: id, status: 'open', limit: 5 }) : Promise.resolve({ rows: [], total: 0 }),
      listCustomFields(ctx.db, id),
    ])
    const primary = network.find((n) => n.isPrimary && n.ipAddress) ?? network.find((n) => n.ipAddress)
    const writableSites = sites.filter((r) => can(actor.scope, 'devices:write', r.site.orgId)).map((r) => ({ id: r.site.id, name: r.site.name }))
    return render(c, <OverviewTab page={await pageProps(ctx, c)} h={h} groups={groups} primaryIp={primary?.ipAddress ?? null} sites={writableSites} alerts={alerts} customFields={customFields} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.devices.pages' })
    .use(actorPlugin(ctx))
    .get('/devices', async (c) => {
      const actor = userOf(c.actor)
      if (c.query.view) {
        // Opening a saved view: its columns and density become this browser's, its filters the URL's.
        const view = await getSavedView(ctx, actor, c.query.view)
        writeListPrefs(c.cookie, { columns: view.columns, density: view.density })
        return redirect(c, listHref(view.filters))
      }
      const page = await pageProps(ctx, c)
      const { columns, density } = readListPrefs(c.cookie)
      const query: DeviceListQuery = { perPage: density === 'compact' ? 100 : 50, ...c.query, orgId: c.query.orgId ?? page.activeOrgId ?? undefined }
      const filters = filtersOf(query)
      // A fleet query with a mistake shows where it is, in place of the table.
      let queryError: string | undefined
      const result = await listDevices(ctx, actor, query).catch((err) => {
        if (!(err instanceof ValidationError && err.field === 'q')) throw err
        queryError = err.message
        return { rows: [], total: 0, page: 1, perPage: query.perPage ?? 50, nextCursor: null, sort: query.sort ?? 'name', order: query.order ?? 'asc' } satisfies DevicePage
      })
      const anyDevices = result.total > 0 || (await countVisibleDevices(ctx, actor)) > 0
      const table = <DeviceTable result={result} query={filters} columns={columns} allColumns={deviceColumns} selectable={page.can.includes('devices:write') || page.can.includes('devices:delete')} now={ctx.clock.now()} anyDevices={anyDevices} density={density} queryError={queryError} />
      if (htmxTarget(c.request) === 'device-table') return render(c, table)
      const [sites, groups, views] = await Promise.all([listSites(ctx, actor, { orgId: query.orgId }), groupOptions(ctx, actor, query.orgId), listSavedViews(ctx, actor)])
      const siteOptions = sites.map((r) => ({ id: r.site.id, name: r.site.name, orgName: r.orgName }))
      const writableSites = siteOptions.filter((s) => can(actor.scope, 'devices:write', sites.find((r) => r.site.id === s.id)!.site.orgId))
      const shown = { filters: viewFilters(filters), columns, density }
      return render(c, <DevicesPage page={page} table={table} query={filters} result={result} columns={columns} allColumns={deviceColumns} density={density}
        orgs={page.orgs} sites={siteOptions} groups={groups} views={views.map((v) => ({ id: v.id, name: v.name, current: sameView(v, shown) }))}
        bulk={{ sites: writableSites, groups, canWrite: page.can.includes('devices:write'), canDelete: page.can.includes('devices:delete'), canPower: page.can.includes('devices:power'), canCommand: page.can.includes('devices:command') }} />)
    }, { query: deviceListPageQuery })
    .post('/devices/columns', (c) => {
      userOf(c.actor)
      const body = (c.body ?? {}) as Record<string, unknown>
      writeListPrefs(c.cookie, { columns: splitList(body.columns), ...(body.density === 'compact' || body.density === 'comfortable' ? { density: body.density } : {}) })
      const back = localPath(body.back, '/devices')
      return redirect(c, back === '/devices' || back.startsWith('/devices?') ? back : '/devices')
    })
    .post('/devices/views', async (c) => {
      // "Save this view": the filters the table shows (filter.* fields), the browser's columns and density.
      const actor = userOf(c.actor)
      const body = (c.body ?? {}) as Record<string, unknown>
      const filter: Record<string, unknown> = {}
      for (const k of filterKeys) if (typeof body[`filter.${k}`] === 'string') filter[k] = body[`filter.${k}`]
      const back = listHref(filtersOf(filter))
      const input = checkValues(createSavedViewBody, { name: String(body.name ?? '').trim(), filters: viewFilters(filter), ...readListPrefs(c.cookie) })
      if (!input.ok) {
        setFlash(c.cookie, { kind: 'error', text: Object.entries(input.errors).map(([k, v]) => `${k}: ${v}`).join('; ') })
        return redirect(c, back)
      }
      try {
        const view = await createSavedView(ctx, actor, input.value)
        setFlash(c.cookie, { kind: 'success', text: `Saved the view "${view.name}".` })
      } catch (err) {
        if (err instanceof AppError && err.status < 500) setFlash(c.cookie, { kind: 'error', text: err.message })
        else throw err
      }
      return redirect(c, back)
    })
    .post('/devices/views/:id/delete', async (c) => {
      const actor = userOf(c.actor)
      const view = await getSavedView(ctx, actor, c.params.id)
      await deleteSavedView(ctx, actor, view.id)
      setFlash(c.cookie, { kind: 'success', text: `Deleted the view "${view.name}".` })
      return redirect(c, '/devices')
    }, { params: idParams })
    .post('/devices/bulk', async (c) => {
      const actor = userOf(c.actor)
      const body = (c.body ?? {}) as Record<string, unknown>
      const filter: Record<string, unknown> = {}
      for (const k of filterKeys) if (typeof body[`filter.${k}`] === 'string') filter[k] = body[`filter.${k}`]
      const back = listHref(filtersOf(filter))
      const action = String(body.action ?? '')
      const fail = (text: string) => { setFlash(c.cookie, { kind: 'error', text }); return redirect(c, back) }
      // A fleet-wide action without a recent step-up: to the step-up page, which comes back here.
      const stepUpFirst = (err: StepUpRequiredError) => {
        setFlash(c.cookie, { kind: 'info', text: `${err.message.split(':')[0]}: confirm it is you, then run the action again.` })
        return redirect(c, `/account/step-up?next=${encodeURIComponent(back)}`)
      }
      if (action.startsWith('power:')) {
        const deviceIds = body.allMatching === 'true' ? await idsMatchingFilter(ctx, actor, checkValues(deviceListQuery, filter).ok ? filter as DeviceListQuery : {}, 'tag') : splitList(body.deviceIds)
        if (deviceIds.length === 0) return fail('Select at least one device.')
        try {
          const r = await bulkPowerFromList(ctx, actor, action.slice('power:'.length), deviceIds, body)
          setFlash(c.cookie, { kind: r.skippedCount ? 'info' : 'success', text: r.text })
        } catch (err) {
          if (err instanceof StepUpRequiredError) return stepUpFirst(err)
          if (err instanceof AppError && err.status < 500) return fail(err.message)
          throw err
        }
        return redirect(c, back)
      }
      if (!(bulkActions as readonly string[]).includes(action)) return fail('Choose a bulk action.')
      const deviceIds = body.allMatching === 'true'
        ? await idsMatchingFilter(ctx, actor, checkValues(deviceListQuery, filter).ok ? filter as DeviceListQuery : {}, action as (typeof bulkActions)[number])
        : splitList(body.deviceIds)
      const input = checkValues(bulkBody, {
        action, deviceIds, ...(action === 'tag' || action === 'untag' ? { tags: splitList(body.tags) } : {}),
        ...(action === 'move' && body.siteId ? { siteId: body.siteId } : {}), ...((action === 'addToGroup' || action === 'removeFromGroup') && body.groupId ? { groupId: body.groupId } : {}),
        ...(action === 'maintenance' ? { durationMinutes: formDuration(body.durationMinutes), ...(typeof body.reason === 'string' && body.reason.trim() ? { reason: body.reason } : {}) } : {}),
      })
      if (!input.ok) return fail(Object.entries(input.errors).map(([k, v]) => `${k}: ${v}`)[0])
      if (deviceIds.length === 0) return fail('Select at least one device.')
      try {
        const r = await runBulkAction(ctx, actor, input.value)
        setFlash(c.cookie, { kind: 'success', text: `${r.changed} of ${r.matched} device${r.matched === 1 ? '' : 's'} changed.` })
      } catch (err) {
        if (err instanceof StepUpRequiredError) return stepUpFirst(err)
        if (err instanceof AppError && err.status < 500) return fail(err.message)
        throw err
      }
      return redirect(c, back)
    })
    .get('/devices/:id', (c) => overview(c, c.params.id), { params: idParams })
    .post('/devices/:id', async (c) => {
      const body = (c.body ?? {}) as Record<string, unknown>
      const values: FormValues = { displayName: String(body.displayName ?? ''), tags: splitList(body.tags), ...(body.siteId ? { siteId: String(body.siteId) } : {}) }
      const form = checkValues(updateDeviceBody, values)
      const shown = { ...values, tags: splitList(body.tags).join(', ') }
      if (!form.ok) return overview(c, c.params.id, { values: shown, errors: form.errors }, 400)
      try {
        await updateDevice(ctx, userOf(c.actor), c.params.id, form.value)
      } catch (err) {
        return overview(c, c.params.id, { values: shown, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Saved.' })
      return redirect(c, `/devices/${c.params.id}`)
    }, { params: idParams })
    .post('/devices/:id/custom-fields', async (c) => {
      // One field set or removed from the overview's card; htmx swaps the card, a plain post comes back to the page.
      const actor = userOf(c.actor)
      const body = (c.body ?? {}) as Record<string, unknown>
      const values: FormValues = { name: String(body.name ?? '').trim(), value: String(body.value ?? ''), ...(body.remove ? { remove: String(body.remove) } : {}) }
      const form = checkValues(customFieldForm, values)
      let errors: FieldErrors | undefined = form.ok ? undefined : form.errors
      let fields: CustomFieldView[] | undefined
      if (form.ok) {
        try {
          fields = await updateCustomFields(ctx, actor, c.params.id, { [form.value.name]: form.value.remove ? null : form.value.value ?? '' })
        } catch (err) {
          if (err instanceof ForbiddenError) throw err
          errors = fieldErrorsOf(err)
        }
      }
      if (!isHtmx(c.request)) {
        if (errors) setFlash(c.cookie, { kind: 'error', text: Object.values(errors)[0] })
        return redirect(c, `/devices/${c.params.id}`)
      }
      const h = await header(actor, c.params.id)
      const card = <CustomFieldsCard deviceId={h.device.id} fields={fields ?? await listCustomFields(ctx.db, h.device.id)} canWrite={h.canWrite && h.device.status !== 'decommissioned'}
        csrf={(await pageProps(ctx, c)).csrf} now={h.now} values={errors ? values : undefined} errors={errors} />
      return render(c, card, errors ? 400 : 200)
    }, { params: idParams })
    .post('/devices/:id/maintenance', async (c) => {
      const body = (c.body ?? {}) as Record<string, unknown>
      const form = checkValues(startMaintenanceBody, { durationMinutes: formDuration(body.durationMinutes), reason: typeof body.reason === 'string' ? body.reason : undefined })
      if (!form.ok) return overview(c, c.params.id, { maintenanceErrors: form.errors }, 400)
      let device
      try {
        device = await startMaintenance(ctx, userOf(c.actor), c.params.id, form.value)
      } catch (err) {
        return overview(c, c.params.id, { maintenanceErrors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: `${deviceName(device)} is in maintenance ${maintenanceSpan(form.value.durationMinutes)}.` })
      return redirect(c, `/devices/${device.id}`)
    }, { params: idParams })
    .post('/devices/:id/maintenance/end', async (c) => {
      const device = await endMaintenance(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: `Maintenance ended; ${deviceName(device)} is ${device.status}.` })
      return redirect(c, `/devices/${device.id}`)
    }, { params: idParams })
    .post('/devices/:id/decommission', async (c) => {
      const device = await decommissionDevice(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: `${deviceName(device)} was decommissioned.` })
      return redirect(c, '/devices')
    }, { params: idParams })
    .post('/devices/:id/check-in', async (c) => {
      const actor = userOf(c.actor)
      await checkIn(ctx, actor, c.params.id, 0)
      const device = await getDevice(ctx, actor, c.params.id)
      setFlash(c.cookie, { kind: 'success', text: ctx.agents.isConnected(device.id) ? 'Asked the agent to check in with a full inventory; it appears here in a few seconds.' : 'The device is offline: it will check in with a full inventory when it comes back (within the hour).' })
      return redirect(c, `/devices/${device.id}`)
    }, { params: idParams })
    .get('/devices/:id/hardware', async (c) => {
      const actor = userOf(c.actor)
      const h = await header(actor, c.params.id)
      const { hardware, disks } = await getHardware(ctx, actor, c.params.id)
      return render(c, <HardwareTab page={await pageProps(ctx, c)} h={h} hardware={hardware} disks={disks} />)
    }, { params: idParams })
    .get('/devices/:id/software', async (c) => {
      const actor = userOf(c.actor)
      const search = c.query.search?.trim() || undefined
      const table = <SoftwareTable software={await getSoftware(ctx, actor, c.params.id, search)} search={search} />
      if (htmxTarget(c.request) === 'software-table') return render(c, table)
      const h = await header(actor, c.params.id)
      const history = await getChanges(ctx, actor, c.params.id, { kind: 'software', limit: 200 })
      return render(c, <SoftwareTab page={await pageProps(ctx, c)} h={h} table={table} history={history} search={search} />)
    }, { params: idParams, query: t.Object({ search: t.Optional(t.String({ maxLength: 200 })) }) })
    .get('/devices/:id/services', async (c) => {
      const actor = userOf(c.actor)
      const filter = { search: c.query.search?.trim() || undefined, state: c.query.state || undefined }
      const device = await getDevice(ctx, actor, c.params.id)
      const controls = canOnDevice(actor.scope, 'devices:services', device) && ctx.agents.isConnected(device.id)
        ? { deviceId: device.id, csrf: (await pageProps(ctx, c)).csrf, osType: device.osType } : null
      const table = <ServicesTable services={await getServices(ctx, actor, c.params.id, filter)} filtered={!!(filter.search || filter.state)} controls={controls} />
      if (htmxTarget(c.request) === 'services-table') return render(c, table)
      const h = await header(actor, c.params.id)
      return render(c, <ServicesTab page={await pageProps(ctx, c)} h={h} table={table} filter={filter} states={await getServiceStates(ctx, actor, c.params.id)} />)
    }, { params: idParams, query: servicesQuery })
    .get('/devices/:id/network', async (c) => {
      const actor = userOf(c.actor)
      const h = await header(actor, c.params.id)
      return render(c, <NetworkTab page={await pageProps(ctx, c)} h={h} interfaces={await getNetwork(ctx, actor, c.params.id)} />)
    }, { params: idParams })
    .get('/devices/:id/metrics', async (c) => {
      const actor = userOf(c.actor)
      const assets = ['uplot.js', 'uplot.css'].map((n) => assetUrls()[n]).join(' ')
      return render(c, <MetricsTab page={await pageProps(ctx, c)} h={await header(actor, c.params.id)} assets={assets} />)
    }, { params: idParams })
    .get('/devices/:id/inventory', async (c) => {
      const actor = userOf(c.actor)
      const h = await header(actor, c.params.id)
      const today = new Date(ctx.clock.now()).toISOString().slice(0, 10)
      const { at, from, to } = c.query
      let view: InventoryView
      try {
        if (from || to) {
          if (!from) throw new ValidationError('from', 'choose the first date to compare')
          if (!to) throw new ValidationError('to', 'choose the second date to compare')
          view = { mode: 'diff', diff: await getInventoryDiff(ctx, actor, c.params.id, { from, to }) }
        } else view = { mode: 'at', state: await getInventoryAt(ctx, actor, c.params.id, { at: at || today }) }
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        view = { mode: 'error', field: err.field, message: err.message }
      }
      return render(c, <InventoryTimeTab page={await pageProps(ctx, c)} h={h} view={view} at={at || (from || to ? '' : today)} from={from ?? ''} to={to ?? ''} />, view.mode === 'error' ? 400 : 200)
    }, { params: idParams, query: t.Object({ at: t.Optional(t.Union([isoDateText(), t.Literal('')])), from: t.Optional(t.Union([isoDateText(), t.Literal('')])), to: t.Optional(t.Union([isoDateText(), t.Literal('')])) }) })
    .get('/devices/:id/history', async (c) => {
      const actor = userOf(c.actor)
      const h = await header(actor, c.params.id)
      const limit = 100
      const { kind, from, to } = c.query
      const changes = await getChanges(ctx, actor, c.params.id, { kind, before: c.query.before, from, to, limit })
      const last = changes[changes.length - 1]
      const keep = Object.fromEntries(Object.entries({ kind, from, to }).filter(([, v]) => v)) as Record<string, string>
      const olderHref = changes.length === limit && last ? `/devices/${c.params.id}/history?${new URLSearchParams({ ...keep, before: String(last.at) })}` : null
      return render(c, <HistoryTab page={await pageProps(ctx, c)} h={h} changes={changes} kind={kind} from={from} to={to} olderHref={olderHref} />)
    }, { params: idParams, query: changesQuery })
}
