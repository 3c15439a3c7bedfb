// /api/v1 for device actions and live tools: processes, services, event logs, power actions.
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { deviceParams, killBody, processesQuery, processParams } from './model'
import { killDeviceProcess, listDeviceProcesses } from './processes'

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
}
