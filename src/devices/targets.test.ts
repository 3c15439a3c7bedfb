import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { newId } from '../lib/ids'
import { loadScope } from '../tenancy/scope-repo'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { addMembers, insertGroup, type DeviceGroup } from './group-repo'
import { resolveTargetDevices, resolveTargetDevicesForOrg } from './targets'

let s: TestServer
let orgA: string, orgB: string, siteA1: string, siteA2: string, siteB: string
const ids: Record<string, string> = {}
let parent: DeviceGroup, child: DeviceGroup, groupB: DeviceGroup

const scopeOf = async (email: string, role: Parameters<typeof makeUser>[2], where: Parameters<typeof makeUser>[3]) => ({ scope: await loadScope(s.ctx.db, await makeUser(s.ctx, email, role, where)) })

function group(orgId: string, name: string, parentId: string | null = null): DeviceGroup {
  const now = s.clock.now()
  return { id: newId(), orgId, siteId: null, parentId, name, type: 'static', ruleText: null, createdAt: now, updatedAt: now }
}

beforeAll(async () => {
  s = await startTestServer()
  const admin = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, admin.partnerId, 'A')).id
  orgB = (await makeOrg(s.ctx, admin.partnerId, 'B')).id
  siteA1 = (await makeSite(s.ctx, orgA, 'A1')).id
  siteA2 = (await makeSite(s.ctx, orgA, 'A2')).id
  siteB = (await makeSite(s.ctx, orgB, 'B1')).id
  ids.a1 = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA1, hostname: 'a1' })).id
  ids.a2 = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA2, hostname: 'a2' })).id
  ids.a1old = (await makeDevice(s.ctx, { orgId: orgA, siteId: siteA1, hostname: 'a1-old', status: 'decommissioned' })).id
  ids.b = (await makeDevice(s.ctx, { orgId: orgB, siteId: siteB, hostname: 'b' })).id
  parent = group(orgA, 'All servers')
  child = group(orgA, 'Linux servers', parent.id)
  groupB = group(orgB, 'B group')
  for (const g of [parent, child, groupB]) await insertGroup(s.ctx.db, g)
  const now = s.clock.now()
  await addMembers(s.ctx.db, [
    { groupId: child.id, deviceId: ids.a2, addedBy: 'manual', addedAt: now },
    { groupId: child.id, deviceId: ids.a1old, addedBy: 'manual', addedAt: now },
    { groupId: groupB.id, deviceId: ids.b, addedBy: 'manual', addedAt: now },
  ])
})
afterAll(() => s.stop())

const names = (list: { hostname: string }[]) => list.map((d) => d.hostname)

describe('resolveTargetDevices', () => {
  test('the union of devices, groups (with descendants), sites and orgs; deduplicated; decommissioned skipped', async () => {
    const tech = await scopeOf('tech@a.example', 'org_technician', { orgId: orgA })
    expect(names(await resolveTargetDevices(s.ctx, tech, { groupIds: [parent.id] }, { permission: 'scripts:execute' }))).toEqual(['a2'])
    expect(names(await resolveTargetDevices(s.ctx, tech, { deviceIds: [ids.a1, ids.a2, ids.a1old], siteIds: [siteA1] }, { permission: 'devices:read' }))).toEqual(['a1', 'a2'])
    expect(names(await resolveTargetDevices(s.ctx, tech, { orgIds: [orgA] }, { permission: 'devices:write' }))).toEqual(['a1', 'a2'])
    expect(await resolveTargetDevices(s.ctx, tech, {}, { permission: 'devices:read' })).toEqual([])
  })

  test('anything outside the scope or permission is a 404, never a silent partial', async () => {
    const tech = await scopeOf('tech2@a.example', 'org_technician', { orgId: orgA })
    const viewer = await scopeOf('viewer@a.example', 'org_viewer', { orgId: orgA })
    for (const sel of [{ deviceIds: [ids.a1, ids.b] }, { groupIds: [groupB.id] }, { siteIds: [siteB] }, { orgIds: [orgB] }, { deviceIds: ['nope'] }]) {
      await expect(resolveTargetDevices(s.ctx, tech, sel, { permission: 'devices:read' })).rejects.toMatchObject({ status: 404 })
    }
    await expect(resolveTargetDevices(s.ctx, viewer, { deviceIds: [ids.a1] }, { permission: 'scripts:execute' })).rejects.toMatchObject({ status: 404 })
  })

  test('site-limited members reach only their sites, even through an org-wide group or the whole org', async () => {
    const limited = await scopeOf('site@a.example', 'org_technician', { orgId: orgA, siteIds: [siteA1] })
    expect(names(await resolveTargetDevices(s.ctx, limited, { orgIds: [orgA] }, { permission: 'devices:read' }))).toEqual(['a1'])
    expect(names(await resolveTargetDevices(s.ctx, limited, { groupIds: [parent.id] }, { permission: 'devices:read' }))).toEqual([])
    await expect(resolveTargetDevices(s.ctx, limited, { siteIds: [siteA2] }, { permission: 'devices:read' })).rejects.toMatchObject({ status: 404 })
    await expect(resolveTargetDevices(s.ctx, limited, { deviceIds: [ids.a2] }, { permission: 'devices:read' })).rejects.toMatchObject({ status: 404 })
  })
})

describe('resolveTargetDevicesForOrg', () => {
  test('stays inside the org and skips foreign or unknown ids', async () => {
    expect(names(await resolveTargetDevicesForOrg(s.ctx, orgA, { wholeOrg: true }))).toEqual(['a1', 'a2'])
    expect(names(await resolveTargetDevicesForOrg(s.ctx, orgA, { deviceIds: [ids.a1, ids.b, 'gone'], groupIds: [groupB.id], siteIds: [siteB] }))).toEqual(['a1'])
    expect(names(await resolveTargetDevicesForOrg(s.ctx, orgB, { groupIds: [groupB.id] }))).toEqual(['b'])
  })
})
