// Device pages of the live tools: the Processes tab (live list, kill), service actions on the
// Services tab, the Event log tab and the power actions of the device header.
import { Elysia } from 'elysia'
import { ProcessesTab, ProcessTable, type Notice, type ProcessFilter } from '../../views/device-actions/processes'
import { ServiceRow, type RowNotice } from '../../views/devices/services'
import { getServices } from '../devices/service'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { deviceHeader } from '../devices/header'
import { AppError } from '../lib/errors'
import type { ProcessesListResult } from '../protocol'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { parseForm } from '../web/forms'
import { isHtmx } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { deviceParams, scheduledParams, killForm, powerForm, processesQuery, processParams, serviceControlForm, type ProcessesQuery } from './model'
import { cancelPower, deviceAction, type ActionAnswer } from './power'
import { managedDevice } from './dispatch'
import { killDeviceProcess, listDeviceProcesses } from './processes'
import { controlDeviceService } from './services'

const filterOf = (q: ProcessesQuery): ProcessFilter => ({ sortBy: q.sortBy ?? 'cpu', search: q.search?.trim() || undefined, limit: Number(q.limit ?? 50) })

export function deviceActionPageRoutes(ctx: AppContext) {
  /** processTable asks the agent and renders the list; agent trouble (offline, no answer) is shown in place. */
  async function processTable(c: PageContext, actor: UserActor, id: string, q: ProcessesQuery, notice?: Notice) {
    const filter = filterOf(q)
    const csrf = (await pageProps(ctx, c)).csrf
    let result: ProcessesListResult | undefined
    let error: string | undefined
    try {
      result = await listDeviceProcesses(ctx, actor, id, q)
    } catch (err) {
      if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
      error = err.message
    }
    return render(c, <ProcessTable deviceId={id} result={result} error={error} filter={filter} canKill csrf={csrf} notice={notice} />)
  }

  return new Elysia({ name: 'breeze.device-actions.pages' })
    .use(actorPlugin(ctx))
    .get('/devices/:id/processes', async (c) => {
      const actor = userOf(c.actor)
      await managedDevice(ctx, actor, c.params.id, 'devices:processes')
      return render(c, <ProcessesTab page={await pageProps(ctx, c)} h={await deviceHeader(ctx, actor, c.params.id)} filter={filterOf(c.query)} />)
    }, { params: deviceParams, query: processesQuery })
    .get('/devices/:id/processes/list', (c) => processTable(c, userOf(c.actor), c.params.id, c.query), { params: deviceParams, query: processesQuery })
    .post('/devices/:id/processes/:pid/kill', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(killForm, c.body)
      const values = form.ok ? form.value : {}
      const q: ProcessesQuery = { sortBy: values.sortBy, search: values.search, limit: values.limit }
      const pid = Number(c.params.pid)
      let notice: Notice
      if (!form.ok) {
        notice = { kind: 'bad', text: Object.values(form.errors)[0] }
      } else {
        const what = `${form.value.name ?? 'process'} (PID ${pid})${form.value.tree ? ' and its children' : ''}`
        try {
          const done = await killDeviceProcess(ctx, actor, c.params.id, pid, { name: form.value.name, tree: form.value.tree === 'true' })
          notice = done.status === 'completed'
            ? { kind: 'ok', text: `Killed ${what}${done.result.killed.length > 1 ? `: ${done.result.killed.length} processes` : ''}.` }
            : { kind: 'info', text: `Asked the agent to kill ${what}; it has not answered yet.` }
        } catch (err) {
          if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
          notice = { kind: 'bad', text: `Could not kill ${what}: ${err.message}` }
        }
      }
      if (!isHtmx(c.request)) {
        setFlash(c.cookie, { kind: notice.kind === 'ok' ? 'success' : notice.kind === 'bad' ? 'error' : 'info', text: notice.text })
        return redirect(c, `/devices/${c.params.id}/processes`)
      }
      return processTable(c, actor, c.params.id, q, notice)
    }, { params: processParams })
    .post('/devices/:id/power', async (c) => {
      const actor = userOf(c.actor)
      const id = c.params.id
      const form = parseForm(powerForm, c.body)
      const back = redirect(c, `/devices/${id}`)
      if (!form.ok) {
        setFlash(c.cookie, { kind: 'error', text: Object.entries(form.errors).map(([k, v]) => `${k}: ${v}`)[0] })
        return back
      }
      const f = form.value
      const action = f.action === 'reboot_if_pending' ? 'reboot' : f.action
      const at = f.when === 'at' && action !== 'wake' ? (f.at || (f.atLocal ? `${f.atLocal}Z` : '')) : undefined
      if (f.when === 'at' && action !== 'wake' && !at) {
        setFlash(c.cookie, { kind: 'error', text: 'at: choose the time' })
        return back
      }
      const power = action !== 'wake'
      let answer: ActionAnswer
      try {
        answer = await deviceAction(ctx, actor, id, {
          action, ...(at ? { at } : {}),
          ...(power ? { message: f.message || undefined, delaySeconds: f.delaySeconds ? Number(f.delaySeconds) : undefined, deferrals: f.deferrals || undefined, deferMinutes: f.deferrals ? f.deferMinutes : undefined, onlyIfPending: f.action === 'reboot_if_pending' || undefined } : {}),
        })
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
        setFlash(c.cookie, { kind: 'error', text: err.message })
        return back
      }
      setFlash(c.cookie, { kind: answer.status === 'skipped' ? 'info' : 'success', text: powerNotice(answer) })
      return back
    }, { params: deviceParams })
    .post('/devices/:id/power/:jobId/cancel', async (c) => {
      try {
        await cancelPower(ctx, userOf(c.actor), c.params.id, c.params.jobId)
        setFlash(c.cookie, { kind: 'success', text: 'Cancelled: it will not be sent.' })
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 403 || (err.status === 404 && err.message === 'device not found')) throw err
        setFlash(c.cookie, { kind: 'error', text: err.message })
      }
      return redirect(c, `/devices/${c.params.id}`)
    }, { params: scheduledParams })
    .post('/devices/:id/services/control', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(serviceControlForm, c.body)
      const id = c.params.id
      let notice: RowNotice
      let name = typeof (c.body as Record<string, unknown>)?.name === 'string' ? String((c.body as Record<string, unknown>).name) : ''
      if (!form.ok) {
        notice = { kind: 'bad', text: Object.values(form.errors)[0] }
      } else {
        name = form.value.name
        const verb = { start: 'Started', stop: 'Stopped', restart: 'Restarted', set_start_type: 'Start type set' }[form.value.action]
        try {
          const done = await controlDeviceService(ctx, actor, id, name, form.value.action, form.value.action === 'set_start_type' ? form.value.startType ?? 'manual' : undefined)
          notice = done.status === 'completed'
            ? { kind: 'ok', text: `${verb}: now ${done.result.state}${form.value.action === 'set_start_type' ? `, ${done.result.startMode ?? 'start type unknown'}` : ''}.` }
            : { kind: 'info', text: 'Sent; the agent has not answered yet.' }
        } catch (err) {
          if (!(err instanceof AppError) || err.status === 403 || err.status === 404) throw err
          notice = { kind: 'bad', text: err.message }
        }
      }
      if (!isHtmx(c.request)) {
        setFlash(c.cookie, { kind: notice.kind === 'ok' ? 'success' : notice.kind === 'bad' ? 'error' : 'info', text: `${name}: ${notice.text}` })
        return redirect(c, `/devices/${id}/services`)
      }
      const device = await managedDevice(ctx, actor, id, 'devices:services')
      const service = (await getServices(ctx, actor, id, { search: name })).find((x) => x.name === name)
      if (!service) return render(c, <tr><td colspan="5" class="small" safe>{`${name}: ${notice.text}`}</td></tr>)
      return render(c, <ServiceRow service={service} controls={{ deviceId: id, csrf: (await pageProps(ctx, c)).csrf, osType: device.device.osType }} notice={notice} />)
    }, { params: deviceParams })
}

/** powerNotice says what became of a power action from the device page. */
function powerNotice(a: ActionAnswer): string {
  const what = { reboot: 'Reboot', shutdown: 'Shutdown', wake: 'Wake-on-LAN', checkin: 'Check-in' }[a.action]
  if (a.status === 'skipped') return `${what} skipped: ${a.reason}.`
  if (a.status === 'scheduled') return `${what} scheduled for ${new Date(a.at).toISOString().replace('T', ' ').slice(0, 16)} UTC.`
  if (a.status === 'pending') return `${what} sent; the agent has not answered yet. The device history shows how it ends.`
  const r = a.result as Record<string, unknown>
  if (a.action === 'wake') return `Wake-on-LAN packet sent to ${String(r.broadcast)} by another agent on the subnet.`
  if (r.outcome === 'not_needed') return 'No reboot is pending: nothing was done.'
  if (r.outcome === 'deferred') return `${what} deferred by the signed-in user.`
  return `${what} started.`
}
