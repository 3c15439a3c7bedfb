// A durable wait survives a server restart: the run sleeps in the database, the new process
// picks its timer job up, and the steps after the wait run once.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { bearerClient, runJobs } from '../testing/alerts'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { freshPostgresDatabase, startTestServer, usingPostgres, type TestServer } from '../testing/server'

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'breeze-auto-restart-'))
let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | null = null
let second: TestServer | null = null

afterAll(async () => {
  await second?.stop()
  await pg?.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

test('restart in the middle of a wait resumes it and finishes the run once', async () => {
  pg = usingPostgres ? await freshPostgresDatabase() : null
  const first = await startTestServer({ dataDir, databaseUrl: pg?.url })
  const a = await setupAdmin(first.ctx)
  const orgId = (await makeOrg(first.ctx, a.partnerId, 'Acme')).id
  const site = await makeSite(first.ctx, orgId, 'HQ')
  const device = await makeDevice(first.ctx, { orgId, siteId: site.id, osType: 'linux' })
  const c1 = await bearerClient(first, a.email, testPassword)
  const made = await c1.post('/api/v1/automations', { orgId, name: 'Patch then verify', trigger: { type: 'manual' }, actions: [
    { id: 'before', type: 'update_device', addTags: ['before-wait'] },
    { id: 'wait', type: 'wait', seconds: 600 },
    { id: 'after', type: 'update_device', addTags: ['after-wait'] },
  ] })
  const runId = (await c1.post(`/api/v1/automations/${made.json.id}/run`, { deviceId: device.id })).json.runs[0].id
  await runJobs(first.ctx)
  await runJobs(first.ctx)
  const waiting = (await c1.get(`/api/v1/automation-runs/${runId}`)).json
  expect(waiting.status).toBe('waiting')
  expect(waiting.steps.map((st: { status: string }) => st.status)).toEqual(['succeeded', 'waiting'])
  const resumeAt = waiting.resumeAt as number
  const key = c1.extraHeaders.authorization
  await first.stop()

  second = await startTestServer({ dataDir, databaseUrl: pg?.url })
  second.clock.set(resumeAt - 1_000)
  await runJobs(second.ctx)
  const c2 = second.client()
  Object.assign(c2.extraHeaders, { authorization: key })
  expect((await c2.get(`/api/v1/automation-runs/${runId}`)).json.status).toBe('waiting')
  second.clock.set(resumeAt + 1)
  await runJobs(second.ctx)
  await runJobs(second.ctx)
  const done = (await c2.get(`/api/v1/automation-runs/${runId}`)).json
  expect(done.status).toBe('completed')
  expect(done.steps.map((st: { path: string; status: string }) => `${st.path}:${st.status}`)).toEqual(['0:succeeded', '1:succeeded', '2:succeeded'])
  expect((await c2.get(`/api/v1/devices/${device.id}`)).json.tags).toEqual(['after-wait', 'before-wait'])
  // Nothing left to run twice.
  second.clock.advance(3600_000)
  await runJobs(second.ctx)
  expect((await c2.get(`/api/v1/automation-runs/${runId}`)).json.steps).toHaveLength(3)
}, 60_000)
