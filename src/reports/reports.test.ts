// Reports end to end over the real server: definitions through the API, runs made by the job
// runner, files read back (PDF through pdftotext, XLSX through exceljs, CSV), a schedule that
// emails its file to a real SMTP server, scope and permissions, and validation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { addChange, makeDevices } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { startSmtpServer } from '../testing/smtp'
import type { TestClient } from '../testing/client'
import { pruneRuns, queueRun } from './runs'
import { findDefinition, findRun } from './repo'
import { eq } from 'drizzle-orm'

let s: TestServer
let admin: TestClient
let smtp: Awaited<ReturnType<typeof startSmtpServer>>
let orgA: string
let orgB: string
let siteA: string
const tmp = mkdtempSync(path.join(os.tmpdir(), 'breeze-reports-'))
const hour = 3_600_000

async function login(email: string) {
  const c = s.client()
  expect((await c.login(email, testPassword)).status).toBe(200)
  return c
}

/** finished waits for a run to leave queued/running (the server's own poller may hold its job). */
async function finished(runId: string) {
  const deadline = Date.now() + 20_000
  for (;;) {
    await s.ctx.jobs.runDue()
    const run = await findRun(s.ctx.db, runId)
    if (run && run.status !== 'queued' && run.status !== 'running') return run
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status}`)
    await Bun.sleep(50)
  }
}

/** runToEnd asks for a run, lets the job runner make it, and returns the finished run. */
async function runToEnd(c: TestClient, reportId: string) {
  const res = await c.post(`/api/v1/reports/${reportId}/run`)
  expect(res.status).toBe(202)
  await finished(res.json.id)
  const run = await c.get(`/api/v1/report-runs/${res.json.id}`)
  expect(run.json.status).toBe('done')
  return run.json
}

async function download(c: TestClient, runId: string): Promise<{ res: Response; bytes: Uint8Array }> {
  const res = await fetch(`${s.url}/api/v1/report-runs/${runId}/download`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) }
}

beforeAll(async () => {
  s = await startTestServer()
  smtp = await startSmtpServer()
  const a = await setupAdmin(s.ctx)
  admin = await login(a.email)
  expect((await admin.put('/api/v1/settings/smtp', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'breeze@example.com' })).status).toBe(200)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Contoso')).id
  orgB = (await makeOrg(s.ctx, a.partnerId, 'Fabrikam')).id
  siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  const siteB = (await makeSite(s.ctx, orgB, 'Plant')).id
  const now = s.ctx.clock.now()
  const [winA, linA] = await makeDevices(s.ctx, [
    { orgId: orgA, siteId: siteA, hostname: 'CONTOSO-WS01', enrolledAt: now - 10 * 24 * hour, hardware: { manufacturer: 'Lenovo', model: 'ThinkPad T14', serialNumber: 'PF3XK2Q1' }, software: [{ name: 'Google Chrome', version: '120.0.1', source: 'registry' }, { name: '7-Zip', version: '23.01' }] },
    { orgId: orgA, siteId: siteA, hostname: 'contoso-db01', osType: 'linux', enrolledAt: now - 10 * 24 * hour, software: [{ name: 'Google Chrome', version: '121.0.3', source: 'registry' }] },
  ])
  await makeDevices(s.ctx, [{ orgId: orgB, siteId: siteB, hostname: 'FABRIKAM-SECRET', software: [{ name: 'Fabrikam Secret App', version: '1.0' }] }])
  // contoso-db01 was offline from 12 h to 6 h ago: 75% online over the last 24 hours.
  await addChange(s.ctx, linA.id, { at: now - 12 * hour, kind: 'status', action: 'offline', summary: 'Went offline' })
  await addChange(s.ctx, linA.id, { at: now - 6 * hour, kind: 'status', action: 'online', summary: 'Came online' })
  // Two alerts on the workstation: acknowledged after 10 and 30 minutes, one resolved after 60.
  const alert = (severity: 'critical' | 'high', ackMin: number, resMin: number | null) => ({
    id: newId(), partnerId: a.partnerId, orgId: orgA, siteId: siteA, deviceId: winA.id, ruleId: null, kind: 'device' as const, subject: '', status: (resMin ? 'resolved' : 'acknowledged') as 'resolved' | 'acknowledged',
    severity, title: `Disk almost full (${severity})`, message: 'C: at 95%', context: {}, triggeredAt: now - 5 * hour, acknowledgedAt: now - 5 * hour + ackMin * 60_000, acknowledgedBy: null,
    resolvedAt: resMin ? now - 5 * hour + resMin * 60_000 : null, resolvedBy: null, resolutionNote: null, resolvingValues: null, suppressedUntil: null, suppressReason: null, parentAlertId: null,
    escalationPolicyId: null, escalationStep: 0, nextEscalationAt: null, muted: false, updatedAt: now,
  })
  await s.ctx.db.insert(t.alerts).values([alert('critical', 10, 60), alert('high', 30, null)])
}, 60_000)

afterAll(async () => {
  await smtp.close()
  await s.stop()
  rmSync(tmp, { recursive: true, force: true })
})

describe('reports', () => {
  let inventoryId: string

  test('a PDF inventory report: device names, figures and the partner on the title page (pdftotext)', async () => {
    const res = await admin.post('/api/v1/reports', { name: 'Contoso monthly inventory', type: 'inventory', format: 'pdf', orgId: orgA })
    expect(res.status).toBe(201)
    inventoryId = res.json.id
    const run = await runToEnd(admin, inventoryId)
    expect(run.rowCount).toBe(2)
    expect(run.figures).toContainEqual({ label: 'Devices', value: '2' })
    const { res: file, bytes } = await download(admin, run.id)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('application/pdf')
    expect(file.headers.get('content-disposition')).toContain('contoso-monthly-inventory-')
    const pdfPath = path.join(tmp, 'inventory.pdf')
    await Bun.write(pdfPath, bytes)
    const text = Bun.spawnSync(['pdftotext', '-layout', pdfPath, '-']).stdout.toString()
    expect(text).toContain('Acme IT')
    expect(text).toContain('Contoso monthly inventory')
    expect(text).toContain('CONTOSO-WS01')
    expect(text).toContain('contoso-db01')
    expect(text).toContain('PF3XK2Q1')
    expect(text).toMatch(/Devices\s+Online\s+Offline/)
    expect(text).toContain('Devices by operating system')
    expect(text).not.toContain('FABRIKAM')
  }, 30_000)

  test('an XLSX software-versions report reads back with exceljs', async () => {
    const res = await admin.post('/api/v1/reports', { name: 'Drift', type: 'software_versions', format: 'xlsx', columns: ['name', 'devices', 'newest', 'behind'] })
    expect(res.status).toBe(201)
    expect(res.json.orgId).toBeNull()
    const run = await runToEnd(admin, res.json.id)
    const { bytes } = await download(admin, run.id)
    const ExcelJS = (await import('exceljs')).default
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer)
    const sheet = wb.getWorksheet('Report')!
    expect(sheet.getRow(1).values).toEqual([undefined, 'Software', 'Devices', 'Newest version', 'Behind'])
    const rows = sheet.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1))
    expect(rows).toContainEqual(['Google Chrome', 2, '121.0.3', 1])
    // Partner-wide: both organizations the admin sees.
    expect(rows.map((r) => r[0])).toContain('Fabrikam Secret App')
    const summary = wb.getWorksheet('Summary')!
    expect(summary.getSheetValues().some((r) => Array.isArray(r) && r[1] === 'Prepared by' && r[2] === 'Acme IT')).toBe(true)
  }, 30_000)

  test('a CSV software inventory, the availability share and alert MTTA/MTTR from real rows', async () => {
    const sw = await admin.post('/api/v1/reports', { name: 'Software', type: 'software', format: 'csv', orgId: orgA, siteId: siteA })
    const run = await runToEnd(admin, sw.json.id)
    const csv = new TextDecoder().decode((await download(admin, run.id)).bytes)
    expect(csv.split('\r\n')[0]).toBe('Software,Publisher,Devices,Versions')
    expect(csv).toContain('Google Chrome,,2,2')
    expect(csv).not.toContain('Fabrikam')

    const av = await admin.post('/api/v1/reports', { name: 'Uptime', type: 'availability', format: 'pdf', orgId: orgA, period: 'last_24h' })
    const prev = await admin.get(`/api/v1/reports/${av.json.id}/preview`)
    expect(prev.status).toBe(200)
    expect(prev.json.rows.find((r: { device: string }) => r.device === 'contoso-db01')).toMatchObject({ online: 75, downtimeHours: 6, outages: 1 })
    expect(prev.json.rows.find((r: { device: string }) => r.device === 'CONTOSO-WS01')).toMatchObject({ online: 100, outages: 0 })
    expect(prev.json.figures).toContainEqual({ label: 'Average online', value: '87.5%' })

    const al = await admin.post('/api/v1/reports', { name: 'Alerts', type: 'alerts', format: 'csv', orgId: orgA, period: 'last_7d' })
    const ap = await admin.get(`/api/v1/reports/${al.json.id}/preview`)
    expect(ap.json.figures).toEqual(expect.arrayContaining([{ label: 'Alerts', value: '2' }, { label: 'Critical', value: '1' }, { label: 'High', value: '1' }, { label: 'MTTA', value: '20 min' }, { label: 'MTTR', value: '60 min' }]))
    expect(ap.json.chart.bars[0]).toEqual({ label: 'critical', value: 1 })

    const ua = await admin.post('/api/v1/reports', { name: 'Who did what', type: 'user_activity', format: 'csv', period: 'last_24h' })
    const up = await admin.get(`/api/v1/reports/${ua.json.id}/preview`)
    expect(up.json.rows.find((r: { actor: string }) => r.actor === 'admin@example.com')?.actions).toBeGreaterThan(3)
  }, 30_000)

  test('scope: another organization\'s member gets 404; a viewer reads and downloads but does not write or run', async () => {
    const outsider = await login((await makeUser(s.ctx, 'fab-admin@example.com', 'org_admin', { orgId: orgB })).email)
    expect((await outsider.get(`/api/v1/reports/${inventoryId}`)).status).toBe(404)
    expect((await outsider.get(`/api/v1/reports/${inventoryId}/preview`)).status).toBe(404)
    expect((await outsider.post(`/api/v1/reports/${inventoryId}/run`)).status).toBe(404)
    expect((await outsider.post('/api/v1/reports', { name: 'Peek', type: 'inventory', format: 'csv', orgId: orgA })).status).toBe(404)
    const runs = await admin.get(`/api/v1/reports/${inventoryId}/runs`)
    expect(runs.json.data.length).toBe(1)
    const runId = runs.json.data[0].id
    expect((await outsider.get(`/api/v1/report-runs/${runId}`)).status).toBe(404)
    expect((await download(outsider, runId)).res.status).toBe(404)
    expect((await outsider.get('/api/v1/reports')).json.data).toEqual([])
    // Their own org's report shows only their devices, even partner-wide reports are out of reach.
    const own = await outsider.post('/api/v1/reports', { name: 'Mine', type: 'inventory', format: 'csv', orgId: orgB })
    expect(own.status).toBe(201)
    const mine = await outsider.get(`/api/v1/reports/${own.json.id}/preview`)
    expect(mine.json.rows.map((r: { device: string }) => r.device)).toEqual(['FABRIKAM-SECRET'])
    expect((await outsider.post('/api/v1/reports', { name: 'All', type: 'inventory', format: 'csv' })).json.error.details.field).toBe('orgId')

    const viewer = await login((await makeUser(s.ctx, 'viewer@contoso.example', 'org_viewer', { orgId: orgA })).email)
    expect((await viewer.get('/api/v1/reports')).json.data.map((r: { id: string }) => r.id)).toContain(inventoryId)
    expect((await viewer.get(`/api/v1/reports/${inventoryId}/preview?limit=1`)).json.rows.length).toBe(1)
    expect((await download(viewer, runId)).res.status).toBe(200)
    expect((await viewer.post(`/api/v1/reports/${inventoryId}/run`)).status).toBe(403)
    expect((await viewer.patch(`/api/v1/reports/${inventoryId}`, { name: 'Renamed' })).status).toBe(403)
    expect((await viewer.post('/api/v1/reports', { name: 'V', type: 'inventory', format: 'csv', orgId: orgA })).status).toBe(403)
    expect((await viewer.post('/api/v1/report-schedules', { reportId: inventoryId, cron: '0 7 * * *', recipients: ['x@example.com'] })).status).toBe(403)
    // A partner-wide run covered Fabrikam too: a Contoso viewer cannot open it.
    expect((await viewer.get('/api/v1/reports')).json.data.every((r: { orgId: string | null }) => r.orgId === orgA)).toBe(true)
    // Site-limited members see no reports (a file holds every site's data).
    const siteTech = await login((await makeUser(s.ctx, 'site-tech@contoso.example', 'org_technician', { orgId: orgA, siteIds: [siteA] })).email)
    expect((await siteTech.get(`/api/v1/reports/${inventoryId}`)).status).toBe(404)
  }, 30_000)

  test('bad input is a 400 naming the field, and nothing is written', async () => {
    const before = (await admin.get('/api/v1/reports')).json.data.length
    const field = async (body: Record<string, unknown>, url = '/api/v1/reports') => {
      const res = await admin.post(url, body)
      expect(res.status).toBe(400)
      return res.json.error.details.field
    }
    expect(await field({ name: 'X', type: 'nonsense', format: 'pdf', orgId: orgA })).toBe('type')
    expect(await field({ name: 'X', type: 'inventory', format: 'docx', orgId: orgA })).toBe('format')
    expect(await field({ name: '', type: 'inventory', format: 'pdf', orgId: orgA })).toBe('name')
    expect(await field({ name: 'X', type: 'inventory', format: 'pdf', orgId: orgA, columns: ['device', 'bogus'] })).toBe('columns/1')
    expect(await field({ name: 'X', type: 'alerts', format: 'pdf', orgId: orgA, period: 'forever' })).toBe('period')
    expect(await field({ name: 'X', type: 'inventory', format: 'pdf', orgId: orgA, siteId: newId() })).toBe('siteId')
    expect(await field({ name: 'X', type: 'inventory', format: 'pdf', orgId: orgA, extra: 1 })).toBe('extra')
    expect((await admin.get('/api/v1/reports')).json.data.length).toBe(before)
    expect(await field({ reportId: inventoryId, cron: '61 * * * *', recipients: ['a@example.com'] }, '/api/v1/report-schedules')).toBe('cron')
    expect(await field({ reportId: inventoryId, cron: '0 7 * * *', timezone: 'Mars/Olympus', recipients: ['a@example.com'] }, '/api/v1/report-schedules')).toBe('timezone')
    expect(await field({ reportId: inventoryId, cron: '0 7 * * *', recipients: ['not-an-email'] }, '/api/v1/report-schedules')).toBe('recipients/0')
    expect((await admin.get('/api/v1/report-schedules')).json.data).toEqual([])
  }, 30_000)

  test('a schedule emails its file at the fire time in its time zone (test SMTP), with the attachment', async () => {
    const rep = await admin.post('/api/v1/reports', { name: 'Weekly software', type: 'software', format: 'csv', orgId: orgA })
    const res = await admin.post('/api/v1/report-schedules', { reportId: rep.json.id, cron: '0 7 * * 1', timezone: 'Europe/Berlin', recipients: ['Owner@Contoso.example'] })
    expect(res.status).toBe(201)
    expect(res.json.recipients).toEqual(['owner@contoso.example'])
    const fireAt = res.json.nextRunAt as number
    expect(new Date(fireAt).getUTCDay()).toBe(1)
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(fireAt)).toBe('07:00')
    await s.ctx.jobs.runDue()
    expect(smtp.messages.length).toBe(0)
    s.clock.set(fireAt + 1000)
    await s.ctx.jobs.runDue()
    const mail = await smtp.next('owner@contoso.example')
    admin = await login('admin@example.com') // a week passed: the session idled out
    expect(mail.raw).toContain('Subject: Weekly software (Acme IT)')
    const filename = /filename="?([^";\r\n]+)/.exec(mail.raw)?.[1]
    expect(filename).toMatch(/^weekly-software-\d{4}-\d{2}-\d{2}\.csv$/)
    const part = mail.raw.slice(mail.raw.indexOf('Content-Disposition: attachment'))
    const attached = Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4, part.indexOf('\r\n--')).replace(/\s/g, ''), 'base64').toString('utf8')
    expect(attached).toContain('Google Chrome')
    let runs = (await admin.get(`/api/v1/reports/${rep.json.id}/runs`)).json.data
    for (let i = 0; i < 100 && !runs[0]?.emailedTo; i++) runs = (await admin.get(`/api/v1/reports/${rep.json.id}/runs`)).json.data
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'done', emailedTo: ['owner@contoso.example'], emailError: null })
    const next = (await admin.get(`/api/v1/report-schedules/${res.json.id}`)).json
    expect(next.nextRunAt).toBe(fireAt + 7 * 24 * hour)
    expect(next.lastRunId).toBe(runs[0].id)
  }, 30_000)

  test('runs use the requester\'s permissions as of the run, and old runs are pruned with their files', async () => {
    const tech = await makeUser(s.ctx, 'tech@contoso.example', 'org_technician', { orgId: orgA })
    const c = await login(tech.email)
    const rep = await c.post('/api/v1/reports', { name: 'Tech inventory', type: 'inventory', format: 'csv', orgId: orgA })
    // Their account is disabled after they scheduled work: the run fails instead of making a file.
    await s.ctx.db.update(t.users).set({ status: 'disabled' }).where(eq(t.users.id, tech.id))
    const queued = { json: await queueRun(s.ctx, (await findDefinition(s.ctx.db, rep.json.id))!, { userId: tech.id, apiKeyId: null }, 'manual', null) }
    await finished(queued.json.id)
    const run = (await admin.get(`/api/v1/report-runs/${queued.json.id}`)).json
    expect(run.status).toBe('failed')
    expect(run.error).toContain('can no longer act')

    const done = (await admin.get(`/api/v1/reports/${inventoryId}/runs`)).json.data[0]
    expect(await s.ctx.blobs.get(done.blobKey)).not.toBeNull()
    s.clock.advance(91 * 24 * hour)
    expect(await pruneRuns(s.ctx)).toBeGreaterThan(0)
    admin = await login('admin@example.com')
    expect((await admin.get(`/api/v1/report-runs/${done.id}`)).status).toBe(404)
    expect(await s.ctx.blobs.get(done.blobKey)).toBeNull()
  }, 30_000)
})
