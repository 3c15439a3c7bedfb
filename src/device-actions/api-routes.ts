// /api/v1 for device actions and live tools: processes, services, event logs, power actions.
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { actionBody, bulkActionBody, deviceParams, scheduledParams, killBody, processesQuery, processParams, serviceActionParams, serviceParams, startTypeBody } from './model'
import { killDeviceProcess, listDeviceProcesses } from './processes'
import { controlDeviceService } from './services'
import type { ActionOutcome } from './outcome'
import { cancelPower, deviceAction, scheduledPower } from './power'
import { bulkDeviceAction } from './power-bulk'

const tags = ['device actions']

export function deviceActionApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.device-actions.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/devices/:id/processes', (c) => listDeviceProcesses(ctx, userOf(c.actor), c.params.id, c.query),
      { params: deviceParams, query: processesQuery, detail: { summary: 'The live process list, asked of the agent now (sortBy cpu|memory|name|pid, search, limit ≤ 500); 409 when the device is not connected', tags } })
    .post('/api/v1/devices/:id/processes/:pid/kill', async (c) => {
      const done = await killDeviceProcess(ctx, userOf(c.actor), c.params.id, Number(c.params.pid), c.body ?? {})
      if (done.status === 'pending') c.set.status = 202
      return done
    }, { params: processParams, body: killBody, detail: { summary: 'Kill a process (tree: its descendants too); 200 with what was killed, 202 when the agent has not answered within 20 s, 422 when it refused', tags } })
    .post('/api/v1/devices/:id/services/:name/start-type', async (c) => pending(c, await controlDeviceService(ctx, userOf(c.actor), c.params.id, c.params.name, 'set_start_type', c.body.startType)),
      { params: serviceParams, body: startTypeBody, detail: { summary: 'Set a service\'s start type (auto, manual, disabled); answers like the start/stop actions', tags } })
    .post('/api/v1/devices/actions', (c) => bulkDeviceAction(ctx, userOf(c.actor), c.body),
      { body: bulkActionBody, detail: { summary: 'One action on many devices (deviceIds, groupIds, siteIds or a whole orgId): reboot, shutdown (now or at a time), wake, checkin; more than 50 devices need confirmCount equal to their number (409 confirmation_required otherwise); offline devices, devices without a pending reboot (onlyIfPending) or without a wake-on-LAN relay are listed as skipped', tags } })
    .get('/api/v1/devices/:id/actions/scheduled', (c) => scheduledPower(ctx, userOf(c.actor), c.params.id),
      { params: deviceParams, detail: { summary: 'The device\'s power actions waiting for their time (scheduled, or deferred by the user), soonest first', tags } })
    .delete('/api/v1/devices/:id/actions/scheduled/:jobId', (c) => cancelPower(ctx, userOf(c.actor), c.params.id, c.params.jobId),
      { params: scheduledParams, detail: { summary: 'Cancel a scheduled power action before it is sent (409 when it was sent already)', tags } })
    .post('/api/v1/devices/:id/actions', async (c) => {
      const done = await deviceAction(ctx, userOf(c.actor), c.params.id, c.body)
      if (done.status !== 'completed') c.set.status = 202
      return done
    }, { params: deviceParams, body: actionBody, detail: { summary: 'Reboot or shut down (now, after delaySeconds of warning, or at a time; message to the logged-in users; deferrals), wake (wake-on-LAN sent by another online agent on the device\'s subnet; 409 when there is none), checkin (heartbeat and full inventory now). 200 with the agent\'s report, 202 when scheduled, skipped or not answered yet', tags } })
    .post('/api/v1/devices/:id/services/:name/:action', async (c) => pending(c, await controlDeviceService(ctx, userOf(c.actor), c.params.id, c.params.name, c.params.action)),
      { params: serviceActionParams, detail: { summary: 'Start, stop or restart a service; 200 with the state it is in now, 202 when the agent has not answered within 45 s, 422 when it failed (the service manager\'s message), 409 when the device is not connected', tags } })
}

/** pending answers 202 while the agent has not reported (the command goes on). */
function pending<R>(c: { set: { status?: number | string } }, done: ActionOutcome<R>): ActionOutcome<R> {
  if (done.status === 'pending') c.set.status = 202
  return done
}
