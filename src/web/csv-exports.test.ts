// CSV exports of the list pages that had none: software (the fleet list and one title's
// devices), alerts, tickets, organizations, sites, users, device groups, policies and automations. Each follows the list's filters and the caller's scope.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { makeAlert } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeDevices } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgUser: TestClient
let orgIdA: string
let deviceIdA: string

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  const orgA = (await makeOrg(s.ctx, a.partnerId, 'Wingtip')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Woodgrove')).id
  const siteA = (await makeSite(s.ctx, orgA, 'Main')).id
  const siteB = (await makeSite(s.ctx, orgB, 'Branch')).id
  const [devA] = await makeDevices(s.ctx, [
    { orgId: orgA, siteId: siteA, hostname: 'wingtip-01', software: [{ name: 'Mozilla Firefox', version: '128.0', publisher: 'Mozilla' }, { name: '=HYPERLINK("x")', version: '1' }] },
    { orgId: orgB, siteId: siteB, hostname: 'woodgrove-01', software: [{ name: 'Mozilla Firefox', version: '115.0', publisher: 'Mozilla' }, { name: 'Woodgrove Ledger', version: '2.0' }] },
  ])
  orgIdA = orgA
  deviceIdA = devA.id
  await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: orgA, siteId: siteA, deviceId: devA.id, title: 'Wingtip disk full', severity: 'high' })
  await makeAlert(s.ctx, { partnerId: a.partnerId, orgId: orgB, siteId: siteB, title: 'Woodgrove offline', severity: 'critical' })
  admin = s.client()
  await admin.login(a.email, testPassword)
  expect((await admin.post('/api/v1/tickets', { orgId: orgA, title: 'Wingtip printer, "jammed", again' })).status).toBe(201)
  expect((await admin.post('/api/v1/tickets', { orgId: orgB, title: 'Woodgrove VPN' })).status).toBe(201)
  expect((await admin.post('/api/v1/device-groups', { orgId: orgA, name: 'Wingtip Linux', type: 'dynamic', rule: 'os = linux' })).status).toBe(201)
  expect((await admin.post('/api/v1/device-groups', { orgId: orgB, name: 'Woodgrove servers', type: 'static' })).status).toBe(201)
  expect((await admin.post('/api/v1/policies', { orgId: orgA, name: 'Wingtip baseline', type: 'monitoring' })).status).toBe(201)
  expect((await admin.post('/api/v1/policies', { orgId: orgB, name: 'Woodgrove patching', type: 'patching' })).status).toBe(201)
  await makeUser(s.ctx, 'tech@wingtip.example', 'org_technician', { orgId: orgA })
  orgUser = s.client()
  await orgUser.login('tech@wingtip.example', testPassword)
}, 60_000)

afterAll(() => s.stop())

async function csv(c: TestClient, path: string) {
  const res = await c.get(path)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  expect(res.headers.get('content-disposition')).toStartWith('attachment;')
  return res.text.split('\r\n').filter(Boolean)
}

test('software: the fleet list and one title\'s devices, with the search, escaped, within scope', async () => {
  const all = await csv(admin, '/software/export.csv')
  expect(all[0]).toBe('Software,Publisher,Devices,Versions')
  expect(all).toContain('Mozilla Firefox,Mozilla,2,2')
  expect(all).toContain(`"'=HYPERLINK(""x"")",,1,1`)
  expect(await csv(admin, '/software/export.csv?search=ledger')).toEqual(['Software,Publisher,Devices,Versions', 'Woodgrove Ledger,,1,1'])
  const mine = await csv(orgUser, '/software/export.csv')
  expect(mine.join('\n')).not.toContain('Woodgrove')
  expect(await csv(admin, '/api/v1/software/export?search=firefox')).toEqual(['Software,Publisher,Devices,Versions', 'Mozilla Firefox,Mozilla,2,2'])
  const devices = await csv(orgUser, '/software/detail/export.csv?name=Mozilla%20Firefox')
  expect(devices).toEqual(['Device,Hostname,OS,Status,Site,Software,Version,Installed', 'wingtip-01,wingtip-01,windows,online,Main,Mozilla Firefox,128.0,'])
})

test('alerts and tickets follow the list filters and the scope', async () => {
  const alerts = await csv(admin, '/alerts/export.csv?status=all')
  expect(alerts[0]).toBe('Triggered,Severity,Status,Alert,Device,Site,Organization,Rule,Acknowledged,Resolved,Message')
  expect(alerts.length).toBe(3)
  expect(await csv(admin, '/alerts/export.csv?status=all&severity=critical')).toHaveLength(2)
  const theirs = await csv(orgUser, '/alerts/export.csv?status=all')
  expect(theirs).toHaveLength(2)
  expect(theirs[1]).toContain(',high,active,Wingtip disk full,wingtip-01,Main,Wingtip,')
  const tickets = await csv(orgUser, '/tickets/export.csv')
  expect(tickets[0]).toBe('Number,Title,Organization,Device,Priority,Status,Assignee,Source,Created,Updated,Closed')
  expect(tickets).toHaveLength(2)
  expect(tickets[1]).toStartWith('1,"Wingtip printer, ""jammed"", again",Wingtip,,normal,open,,manual,')
  expect(await csv(admin, '/tickets/export.csv?search=vpn')).toHaveLength(2)
})

test('organizations, sites and users: what the list shows, within scope', async () => {
  const orgs = await csv(admin, '/orgs/export.csv')
  expect(orgs[0]).toBe('Name,Slug,Status,Type,Sites,Contract start,Contract end,Billing contact,Created')
  expect(orgs.map((l) => l.split(',')[0])).toEqual(expect.arrayContaining(['Wingtip', 'Woodgrove']))
  expect(await csv(admin, '/orgs/export.csv?search=wood')).toHaveLength(2)
  const sites = await csv(orgUser, '/sites/export.csv')
  expect(sites).toEqual(['Site,Organization,Time zone,Street,City,Postal code,Country,Contact,Contact email,Contact phone', 'Main,Wingtip,UTC,,,,,,,'])
  const users = await csv(admin, '/users/export.csv')
  expect(users[0]).toBe('Name,Email,Status,Two-factor,Access,Last sign-in,Created')
  expect(users.find((l) => l.includes('tech@wingtip.example'))).toContain(',active,off,Org Technician · Wingtip,')
  expect((await csv(orgUser, '/users/export.csv')).join('\n')).not.toContain('admin@example.com')
})

test('device groups and policies: what the list shows, within scope and filters', async () => {
  const groups = await csv(admin, '/groups/export.csv')
  expect(groups[0]).toBe('Name,Organization,Type,Rule,Parent,Members,Created')
  expect(groups.find((l) => l.startsWith('Wingtip Linux,'))).toStartWith('Wingtip Linux,Wingtip,dynamic,os = linux,,')
  expect(groups.some((l) => l.startsWith('Woodgrove servers,Woodgrove,static,'))).toBe(true)
  expect((await csv(orgUser, '/groups/export.csv')).join('\n')).not.toContain('Woodgrove')
  const policies = await csv(admin, '/policies/export.csv')
  expect(policies[0]).toBe('Name,Organization,Type,Status,Enforcement,Priority,Check every (min),Version,Updated')
  expect(policies.map((l) => l.split(',').slice(0, 3).join(','))).toEqual(expect.arrayContaining(['Wingtip baseline,Wingtip,monitoring', 'Woodgrove patching,Woodgrove,patching']))
  expect(await csv(admin, '/policies/export.csv?type=patching')).toHaveLength(2)
  const made = await admin.post('/api/v1/automations', { orgId: orgIdA, name: 'Tag Wingtip', trigger: { type: 'manual' }, actions: [{ id: 't', type: 'update_device', addTags: ['x'], target: { deviceIds: [deviceIdA] } }] })
  expect(made.status).toBe(201)
  const automations = await csv(admin, '/automations/export.csv')
  expect(automations[0]).toBe('Name,Owner,Enabled,Trigger,Steps,Runs,Last run,Last run at')
  expect(automations.find((l) => l.startsWith('Tag Wingtip,'))).toStartWith('Tag Wingtip,Wingtip,')
  expect((await csv(admin, '/automations/export.csv?search=nothing-like-it'))).toHaveLength(1)
})
