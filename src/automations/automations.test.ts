// Automations without an agent: the API (validation naming fields, references other tenants'
// objects, cron preview), the engine (condition branches, update_device, notify through a
// real webhook receiver, on_failure notify, run_automation with the loop guard, per-org
// concurrency), webhook triggers (signatures, replay), and tenant isolation. Agent-driven
// triggers and run_script are in agent.test.ts; restart and schedules in their own files.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { runJobs, startReceiver, bearerClient, allowLoopbackReceivers } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { engineLimits } from './engine'
import { webhookSignature } from './webhook'

let s: TestServer
let admin: TestClient
let orgA: string
let orgB: string
let siteA: string
let deviceA: { id: string }
let deviceB: { id: string }
let receiver: ReturnType<typeof startReceiver>
let channelA: string
let channelB: string

beforeAll(async () => {
  s = await startTestServer()
  await allowLoopbackReceivers(s.ctx)
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Globex')).id
  siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  const siteB = (await makeSite(s.ctx, orgB, 'Plant')).id
  deviceA = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', hostname: 'web-01', tags: ['web'] })
  deviceB = await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, osType: 'windows', hostname: 'GLX-01' })
  await makeUser(s.ctx, 'tech-b@example.com', 'org_admin', { orgId: orgB })
  await makeUser(s.ctx, 'viewer-a@example.com', 'org_viewer', { orgId: orgA })
  admin = await bearerClient(s, a.email, testPassword)
  receiver = startReceiver()
  const ch = (org: string, name: string) => admin.post('/api/v1/notification-channels', { name, type: 'webhook', orgId: org, config: { url: `${receiver.url}/${name}` }, secrets: { signingSecret: 'a-signing-secret-of-some-length' } })
  channelA = (await ch(orgA, 'ops-a')).json.id
  channelB = (await ch(orgB, 'ops-b')).json.id
})

afterAll(async () => {
  receiver.stop()
  await s.stop()
})

async function create(body: Record<string, unknown>, client = admin) {
  return client.post('/api/v1/automations', { orgId: orgA, trigger: { type: 'manual' }, ...body })
}

async function runOf(id: string, deviceId?: string, client = admin) {
  const res = await client.post(`/api/v1/automations/${id}/run`, deviceId ? { deviceId } : {})
  expect(res.status).toBe(202)
  await settle()
  return res.json.runs[0].id as string
}

async function settle() {
  for (let i = 0; i < 4; i++) await runJobs(s.ctx)
}

async function run(id: string) {
  return (await admin.get(`/api/v1/automation-runs/${id}`)).json
}

describe('definitions', () => {
  test('validation names the field; a bad cron says why; everything is collected for the editor', async () => {
    const bad = await create({ name: 'Nightly', trigger: { type: 'schedule', cron: '61 2 * * *', timezone: 'Europe/London' }, actions: [{ id: 'a', type: 'wait', seconds: 5 }] })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('trigger.cron')
    expect(bad.json.error.message).toContain('minute')
    const tz = await create({ name: 'Nightly', trigger: { type: 'schedule', cron: '0 2 * * *', timezone: 'Mars/Olympus' }, actions: [{ id: 'a', type: 'wait', seconds: 5 }] })
    expect(tz.json.error.details.field).toBe('trigger.timezone')
    const four = await create({ name: 'x', trigger: { type: 'schedule', cron: '0 2 * *', timezone: 'UTC' }, actions: [{ id: 'a', type: 'wait', seconds: 5 }] })
    expect(four.json.error.message).toContain('five fields')
    const v = await admin.post('/api/v1/automations/validate', { orgId: orgA, definition: {
      name: '', trigger: { type: 'schedule', cron: '0 2 * * *', timezone: 'America/New_York' },
      actions: [{ id: 'a', type: 'run_script' }, { id: 'b', type: 'wait', seconds: -1 }, { id: 'c', type: 'notify', channelIds: [channelB], title: 'x' }],
    } })
    expect(v.status).toBe(200)
    const paths = v.json.problems.map((p: { path: string }) => p.path)
    expect(paths).toEqual(expect.arrayContaining(['name', 'actions.0.scriptId', 'actions.0.target', 'actions.1.seconds', 'actions.2.channelIds.0']))
    expect(v.json.schedule.next).toHaveLength(5)
    expect(v.json.schedule.next[0].local).toContain('02:00')
  })

  test('cron preview: the next five times in the time zone, or a clear message', async () => {
    const ok = await admin.get('/api/v1/automations/cron-preview?cron=0%209%20*%20*%201-5&timezone=Asia/Tokyo')
    expect(ok.status).toBe(200)
    expect(ok.json.next).toHaveLength(5)
    for (const n of ok.json.next) expect(new Date(n.at).getUTCHours()).toBe(0)
    const bad = await admin.get('/api/v1/automations/cron-preview?cron=hello&timezone=UTC')
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toContain('five fields')
  })

  test('references to another organization\'s channel, automation, group or device are refused, naming them', async () => {
    const other = await create({ name: 'B thing', orgId: orgB, actions: [{ id: 'w', type: 'wait', seconds: 1 }] })
    expect(other.status).toBe(201)
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'n', type: 'notify', channelIds: [channelB], title: 'Hi' }, 'actions.0.channelIds.0'],
      [{ id: 'r', type: 'run_automation', automationId: other.json.id }, 'actions.0.automationId'],
      [{ id: 'u', type: 'update_device', addTags: ['x'], target: { deviceIds: [deviceB.id] } }, 'actions.0.target.deviceIds.0'],
      [{ id: 's', type: 'run_script', scriptId: '0190aaaa-0000-7000-8000-000000000000', target: { triggerDevice: true } }, 'actions.0.scriptId'],
    ]
    for (const [step, field] of cases) {
      const res = await create({ name: 'Refs', actions: [step] })
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe(field)
      expect(res.json.error.message).toContain(String(field === 'actions.0.target.deviceIds.0' ? deviceB.id : (step.channelIds as string[] | undefined)?.[0] ?? step.automationId ?? step.scriptId))
    }
    // A schedule has no triggering device.
    const sched = await create({ name: 'S', trigger: { type: 'schedule', cron: '0 * * * *', timezone: 'UTC' }, actions: [{ id: 'u', type: 'update_device', addTags: ['x'] }] })
    expect(sched.json.error.details.field).toBe('actions.0.target')
  })

  test('a viewer cannot create; another org\'s admin gets 404 on everything; anonymous gets 401', async () => {
    const made = await create({ name: 'Private', actions: [{ id: 'w', type: 'wait', seconds: 1 }] })
    const id = made.json.id
    const viewer = await bearerClient(s, 'viewer-a@example.com', testPassword)
    expect((await create({ name: 'nope', actions: [{ id: 'w', type: 'wait', seconds: 1 }] }, viewer)).status).toBe(403)
    expect((await viewer.get(`/api/v1/automations/${id}`)).status).toBe(200)
    expect((await viewer.post(`/api/v1/automations/${id}/run`, {})).status).toBe(403)
    const b = await bearerClient(s, 'tech-b@example.com', testPassword)
    for (const [method, path] of [['GET', `/api/v1/automations/${id}`], ['PATCH', `/api/v1/automations/${id}`], ['DELETE', `/api/v1/automations/${id}`], ['POST', `/api/v1/automations/${id}/run`], ['GET', `/api/v1/automations/${id}/runs`]] as const) {
      const res = await b.request(method, path, { json: method === 'GET' || method === 'DELETE' ? undefined : method === 'PATCH' ? { name: 'x' } : {} })
      expect([method, path, res.status]).toEqual([method, path, 404])
    }
    const runId = await runOf(id)
    expect((await b.get(`/api/v1/automation-runs/${runId}`)).status).toBe(404)
    expect((await b.get('/api/v1/automations')).json.automations.map((a: { id: string }) => a.id)).not.toContain(id)
    expect((await s.client().get('/api/v1/automations')).status).toBe(401)
  })
})

describe('the engine', () => {
  test('condition branches on the last step and on device fields; update_device tags and custom fields', async () => {
    const res = await create({ name: 'Branches', actions: [
      { id: 'tag', type: 'update_device', addTags: ['Patched'], customFields: { owner: '{{device.hostname}}-team' }, target: { triggerDevice: true } },
      { id: 'if1', type: 'condition', clauses: [{ field: 'last_step.status', op: '=', value: 'succeeded' }, { field: 'device.tags', op: '=', value: 'patched' }], then: [
        { id: 'if2', type: 'condition', match: 'any', clauses: [{ field: 'device.os', op: '=', value: 'windows' }, { field: 'device.custom.owner', op: '=', value: 'nobody' }], then: [{ id: 'never', type: 'update_device', addTags: ['wrong'] }], else: [
          { id: 'yes', type: 'update_device', removeTags: ['web'], addTags: ['else-branch'] },
        ] },
      ], else: [{ id: 'no', type: 'update_device', addTags: ['wrong'] }] },
    ] })
    expect(res.status).toBe(201)
    const r = await run(await runOf(res.json.id, deviceA.id))
    expect(r.status).toBe('completed')
    expect(r.steps.map((x: { path: string; status: string }) => `${x.path}:${x.status}`)).toEqual(['0:succeeded', '1:succeeded', '1.then.0:succeeded', '1.then.0.else.0:succeeded'])
    expect(r.steps[2].summary).toContain('false')
    const device = (await admin.get(`/api/v1/devices/${deviceA.id}`)).json
    expect(device.tags).toEqual(['else-branch', 'patched'])
    expect((await admin.get(`/api/v1/automations/device-fields/${deviceA.id}`)).json.fields).toMatchObject([{ name: 'owner', value: 'web-01-team' }])
    expect(r).toMatchObject({ devicesTargeted: 1, devicesSucceeded: 1, devicesFailed: 0 })
  })

  test('notify sends through the channel with the template filled; on_failure notify reports a failed run', async () => {
    const res = await create({
      name: 'Tell ops', onFailure: 'notify', notifyChannelIds: [channelA],
      actions: [
        { id: 'n', type: 'notify', channelIds: [channelA], title: 'Heads up: {{device.name}}', message: 'Site {{device.site}}, run {{run.id}}', severity: 'medium' },
        { id: 'bad', type: 'update_device', siteId: siteA, target: { deviceIds: [deviceA.id] }, addToGroupId: '0190bbbb-0000-7000-8000-000000000000' },
      ],
    })
    expect(res.status).toBe(400)
    expect(res.json.error.details.field).toBe('actions.1.addToGroupId')
    const ok = await create({
      name: 'Tell ops', onFailure: 'notify', notifyChannelIds: [channelA],
      actions: [
        { id: 'n', type: 'notify', channelIds: [channelA], title: 'Heads up: {{device.name}}', message: 'Site {{device.site}}, run {{run.id}}', severity: 'medium' },
        { id: 'c', type: 'condition', clauses: [{ field: 'last_step.status', op: '=', value: 'succeeded' }], then: [{ id: 'x', type: 'run_automation', automationId: 'placeholder' }] },
      ],
    })
    expect(ok.json.error.details.field).toBe('actions.1.then.0.automationId')
    const made = await create({ name: 'Tell ops', onFailure: 'notify', notifyChannelIds: [channelA], actions: [
      { id: 'n', type: 'notify', channelIds: [channelA], title: 'Heads up: {{device.name}}', message: 'Site {{device.site}}, run {{run.id}}', severity: 'medium' },
    ] })
    const runId = await runOf(made.json.id, deviceA.id)
    const [hit] = await receiver.waitFor(1, (r) => r.path === '/ops-a' && r.json?.alert?.title === 'Heads up: web-01')
    expect(hit.json.alert.message).toBe(`Site HQ, run ${runId}`)
    expect(hit.json.alert.kind).toBe('automation')
    expect(hit.json.alert.url).toContain(`/automation-runs/${runId}`)
    expect(hit.headers.get('x-breeze-signature')).toBeTruthy()
    expect((await run(runId)).status).toBe('completed')
    // The channel is then disabled: the step fails, and the failure notice cannot go out either, so the run is failed.
    await admin.patch(`/api/v1/notification-channels/${channelA}`, { enabled: false })
    const failed = await run(await runOf(made.json.id, deviceA.id))
    expect(failed.status).toBe('failed')
    expect(failed.steps[0].summary).toContain('deleted, disabled')
    expect(failed.error).toContain('Send notification')
    await admin.patch(`/api/v1/notification-channels/${channelA}`, { enabled: true })
  })

  test('run_automation runs a child and waits; a chain back to itself is stopped by the loop guard', async () => {
    const child = await create({ name: 'Child', actions: [{ id: 'c', type: 'update_device', addTags: ['child-ran'] }] })
    const parent = await create({ name: 'Parent', actions: [{ id: 'p', type: 'run_automation', automationId: child.json.id }, { id: 'after', type: 'condition', clauses: [{ field: 'last_step.status', op: '=', value: 'succeeded' }], then: [{ id: 't', type: 'update_device', addTags: ['parent-after'] }] }] })
    const r = await run(await runOf(parent.json.id, deviceA.id))
    expect(r.status).toBe('completed')
    expect(r.steps.map((x: { path: string; status: string }) => `${x.path}:${x.status}`)).toEqual(['0:succeeded', '1:succeeded', '1.then.0:succeeded'])
    expect((await admin.get(`/api/v1/devices/${deviceA.id}`)).json.tags).toEqual(expect.arrayContaining(['child-ran', 'parent-after']))
    // Child now runs the parent: parent → child → parent is a loop.
    const edit = await admin.patch(`/api/v1/automations/${child.json.id}`, { actions: [{ id: 'back', type: 'run_automation', automationId: parent.json.id }] })
    expect(edit.status).toBe(200)
    const looped = await run(await runOf(parent.json.id, deviceA.id))
    expect(looped.status).toBe('failed')
    const childRuns = (await admin.get(`/api/v1/automations/${child.json.id}/runs`)).json.runs
    const inner = await run(childRuns[0].id)
    expect(inner.status).toBe('failed')
    expect(inner.steps[0].summary).toContain('loop guard')
    // Direct self-reference is refused when saving.
    const self = await admin.patch(`/api/v1/automations/${parent.json.id}`, { actions: [{ id: 'me', type: 'run_automation', automationId: parent.json.id }] })
    expect(self.status).toBe(400)
    expect(self.json.error.message).toContain('cannot run itself')
  })

  test('per-org concurrency: runs past the limit wait in the queue and start when a slot frees', async () => {
    const saved = engineLimits.perOrgConcurrency
    engineLimits.perOrgConcurrency = 1
    try {
      const slow = await create({ name: 'Slow', actions: [{ id: 'w', type: 'wait', seconds: 30 }, { id: 'n', type: 'update_device', addTags: ['slow'] }] })
      // A wait gives the slot back, so two runs both reach their wait…
      const r1 = await runOf(slow.json.id, deviceA.id)
      const r2 = await runOf(slow.json.id, deviceA.id)
      expect((await run(r1)).status).toBe('waiting')
      expect((await run(r2)).status).toBe('waiting')
      // …but a run that waits for a script (here on a device with no agent behind it) holds
      // its slot, so the next run stays queued.
      const script = await admin.post('/api/v1/scripts', { orgId: orgA, name: 'Never answers', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', content: 'true', parameters: [] })
      const hold = await create({ name: 'Holder', actions: [{ id: 'h', type: 'run_script', scriptId: script.json.id, timeoutMinutes: 5 }] })
      const h = await runOf(hold.json.id, deviceA.id)
      const quick = await create({ name: 'Quick', actions: [{ id: 'q', type: 'update_device', addTags: ['quick'] }] })
      const q = await runOf(quick.json.id, deviceA.id)
      expect((await run(h)).status).toBe('running')
      expect((await run(q)).status).toBe('queued')
      await admin.post(`/api/v1/automation-runs/${h}/cancel`)
      await settle()
      expect((await run(q)).status).toBe('completed')
      s.clock.advance(31_000)
      await settle()
      expect((await run(r1)).status).toBe('completed')
      expect((await run(r2)).status).toBe('completed')
    } finally {
      engineLimits.perOrgConcurrency = saved
    }
  })
})

describe('create_ticket', () => {
  test('opens a ticket in the run\'s organization with the template filled and a link back to the run', async () => {
    const made = await create({ name: 'Ticket it', actions: [{ id: 't', type: 'create_ticket', title: 'Check {{device.hostname}}', description: 'Tags: {{device.tags}}', priority: 'high' }] })
    expect(made.status).toBe(201)
    const r = await run(await runOf(made.json.id, deviceA.id))
    expect(r.status).toBe('completed')
    const ticketId = r.steps[0].details.ticketId
    const t = (await admin.get(`/api/v1/tickets/${ticketId}`)).json
    expect(t).toMatchObject({ title: 'Check web-01', priority: 'high', orgId: orgA, deviceId: deviceA.id })
    expect(t.description).toContain(`/automation-runs/${r.id}`)
  })
})

describe('webhook trigger', () => {
  test('a good signature starts one run (replays start none); bad or stale signatures are refused', async () => {
    const made = await create({ name: 'Hook', trigger: { type: 'webhook' }, actions: [{ id: 't', type: 'update_device', addTags: ['hooked'], target: { triggerDevice: true } }] })
    expect(made.status).toBe(201)
    const secret = made.json.webhookSecret as string
    expect(secret.length).toBeGreaterThan(30)
    const url = new URL(made.json.webhookUrl).pathname
    expect((await admin.get(`/api/v1/automations/${made.json.id}`)).json.webhookSecret).toBeUndefined()
    const body = JSON.stringify({ deviceId: deviceA.id, reason: 'deploy finished' })
    const ts = String(Math.floor(s.clock.now() / 1000))
    const post = (headers: Record<string, string>, b = body) => fetch(s.url + url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b })
    expect((await post({ 'x-breeze-timestamp': ts, 'x-breeze-signature': webhookSignature('wrong-secret', ts, body) })).status).toBe(401)
    expect((await post({ 'x-breeze-timestamp': ts, 'x-breeze-signature': webhookSignature(secret, ts, body) }, body.replace('deploy', 'hack'))).status).toBe(401)
    const old = String(Math.floor(s.clock.now() / 1000) - 3600)
    expect((await post({ 'x-breeze-timestamp': old, 'x-breeze-signature': webhookSignature(secret, old, body) })).status).toBe(401)
    expect((await post({})).status).toBe(401)
    const good = { 'x-breeze-timestamp': ts, 'x-breeze-signature': webhookSignature(secret, ts, body) }
    const first = await post(good)
    expect(first.status).toBe(202)
    const firstRuns = (await first.json()).runs
    const again = await (await post(good)).json()
    expect(again.runs[0].id).toBe(firstRuns[0].id)
    await settle()
    const runs = (await admin.get(`/api/v1/automations/${made.json.id}/runs`)).json.runs
    expect(runs).toHaveLength(1)
    const r = await run(runs[0].id)
    expect(r).toMatchObject({ status: 'completed', triggerType: 'webhook', deviceId: deviceA.id })
    expect(r.triggerData.body.reason).toBe('deploy finished')
    expect((await fetch(`${s.url}/api/v1/automations/webhooks/not-a-token`, { method: 'POST', body: '{}' })).status).toBe(404)
  })
})

describe('deleted scripts', () => {
  test('a step whose script was deleted shows why and is skipped, not failed', async () => {
    const script = await admin.post('/api/v1/scripts', { orgId: orgA, name: 'Temp', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', content: 'echo hi', parameters: [] })
    const made = await create({ name: 'Uses temp', actions: [{ id: 'r', type: 'run_script', scriptId: script.json.id, target: { triggerDevice: true } }, { id: 't', type: 'update_device', addTags: ['after-deleted'] }] })
    expect(made.status).toBe(201)
    expect((await admin.delete(`/api/v1/scripts/${script.json.id}`)).status).toBeLessThan(300)
    const got = (await admin.get(`/api/v1/automations/${made.json.id}`)).json
    expect(got.warnings['0']).toContain('was deleted')
    const r = await run(await runOf(made.json.id, deviceA.id))
    expect(r.steps[0]).toMatchObject({ status: 'disabled' })
    expect(r.steps[0].summary).toContain('was deleted')
    expect(r.status).toBe('completed')
    expect(r.steps[1].status).toBe('succeeded')
  })
})

describe('partner-wide automations and retention', () => {
  test('a partner-wide automation runs in the org of the device it is about; org-specific targets are refused', async () => {
    const partnerId = (await admin.get(`/api/v1/orgs/${orgA}`)).json.partnerId as string
    const bad = await admin.post('/api/v1/automations', { partnerId, name: 'Everywhere', trigger: { type: 'manual' }, actions: [{ id: 't', type: 'update_device', addTags: ['x'], target: { deviceIds: [deviceA.id] } }] })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('actions.0.target.deviceIds.0')
    const made = await admin.post('/api/v1/automations', { partnerId, name: 'Everywhere', trigger: { type: 'manual' }, actions: [{ id: 't', type: 'update_device', addTags: ['partner-wide'] }] })
    expect(made.status).toBe(201)
    expect(made.json.orgId).toBeNull()
    const rb = await run(await runOf(made.json.id, deviceB.id))
    expect(rb).toMatchObject({ status: 'completed', orgId: orgB })
    expect((await admin.get(`/api/v1/devices/${deviceB.id}`)).json.tags).toContain('partner-wide')
    // Org B's admin sees it (read only) and the run in org B, not runs elsewhere.
    const ra = await runOf(made.json.id, deviceA.id)
    const b = await bearerClient(s, 'tech-b@example.com', testPassword)
    expect((await b.get(`/api/v1/automations/${made.json.id}`)).status).toBe(200)
    expect((await b.patch(`/api/v1/automations/${made.json.id}`, { name: 'mine' })).status).toBe(403)
    expect((await b.get(`/api/v1/automations/${made.json.id}/runs`)).json.runs.map((r: { orgId: string }) => r.orgId)).toEqual([orgB])
    expect((await b.get(`/api/v1/automation-runs/${ra}`)).status).toBe(404)
  })

  test('finished runs are pruned after 90 days', async () => {
    const made = await create({ name: 'Short-lived', actions: [{ id: 'w', type: 'update_device', addTags: ['old'] }] })
    const id = await runOf(made.json.id, deviceA.id)
    expect((await admin.get(`/api/v1/automation-runs/${id}`)).status).toBe(200)
    s.clock.advance(91 * 24 * 3600_000)
    await settle()
    expect((await admin.get(`/api/v1/automation-runs/${id}`)).status).toBe(404)
  })
})
