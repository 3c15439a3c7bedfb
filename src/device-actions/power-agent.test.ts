// Power actions with the compiled agent on this machine, which never powers off: its
// config.json points reboot, shutdown, the user message and the deferral prompt at a recorder
// script. Reboot and shutdown reach the recorder with the message (now, and at a time); the
// user defers; "check in" refreshes the inventory; wake-on-LAN's magic packet is captured
// inside a network namespace the test creates (a veth pair on a subnet of its own), so no
// packet goes onto a real network.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { agentBinary, createTestAgent, stopTestAgents, waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let orgId: string
let siteId: string
let deviceId: string
const scratch = mkdtempSync(path.join(os.tmpdir(), 'breeze-power-'))
const record = path.join(scratch, 'power.log')
const recorder = path.join(scratch, 'recorder.sh')
const deferFlag = path.join(scratch, 'defer-once')
// One line per call: what was asked, then the environment the agent gave it.
writeFileSync(recorder, `#!/bin/sh
if [ "$1" = prompt ]; then
  echo "prompt	$BREEZE_DEFER_MINUTES	$BREEZE_DEFERRALS_LEFT" >> ${record}
  if [ -f ${deferFlag} ]; then rm -f ${deferFlag}; echo defer; fi
  exit 0
fi
printf '%s\\t%s\\t%s\\t%s\\n' "$1" "$(printf '%s' "$BREEZE_POWER_MESSAGE" | tr '\\n' ' ')" "$(printf '%s' "$BREEZE_POWER_TEXT" | tr '\\n' ' ')" "$BREEZE_POWER_DELAY_SECONDS" >> ${record}
`, { mode: 0o755 })
const lines = () => (existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t')) : [])

// The wake-on-LAN network: a namespace with one end of a veth pair, the other end here.
const tag = `bz${process.pid % 100000}`
const ns = `${tag}ns`
const octet = 100 + (process.pid % 150)
const subnet = `10.213.${octet}`
let netns = false
const sh = (cmd: string[]) => Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' })

function makeNetns(): boolean {
  const steps = [
    ['ip', 'netns', 'add', ns], ['ip', 'link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`], ['ip', 'link', 'set', `${tag}b`, 'netns', ns],
    ['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', `${tag}a`], ['ip', 'link', 'set', `${tag}a`, 'up'],
    ['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/24`, 'dev', `${tag}b`], ['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `${tag}b`, 'up'],
  ]
  for (const step of steps) if (sh(step).exitCode !== 0) return false
  return true
}

beforeAll(async () => {
  netns = makeNetns()
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  const agent = await createTestAgent()
  writeFileSync(path.join(agent.configDir, 'config.json'), JSON.stringify({ power: { reboot: [recorder, 'reboot'], shutdown: [recorder, 'shutdown'], notify: [recorder, 'notify'], prompt: [recorder, 'prompt'] }, serviceWatchSeconds: 0 }))
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'power' })).json.key
  const res = await agent.cli(['enroll', '--server', s.url, '--key', key])
  if (res.code !== 0) throw new Error(res.out)
  agent.start()
  deviceId = agent.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
  await waitFor(async () => (await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId)))[0]?.lastInventoryAt, 60_000, 'the first inventory')
}, 180_000)

afterAll(async () => {
  await stopTestAgents()
  await s?.stop()
  if (netns) {
    sh(['ip', 'link', 'del', `${tag}a`])
    sh(['ip', 'netns', 'del', ns])
  }
  rmSync(scratch, { recursive: true, force: true })
})

const changes = async () => (await admin.get(`/api/v1/devices/${deviceId}/changes?limit=50`)).json.data as { action: string; summary: string }[]

describe('power on the compiled agent (a recorder, never the machine)', () => {
  test('a reboot shows the message and runs the configured command after reporting', async () => {
    const res = await admin.post(`/api/v1/devices/${deviceId}/actions`, { action: 'reboot', message: 'Updates: save your work', delaySeconds: 0 })
    expect({ status: res.status, body: res.json }).toMatchObject({ status: 200, body: { status: 'completed', result: { outcome: 'done', command: [recorder, 'reboot'] } } })
    const calls = await waitFor(() => (lines().some((l) => l[0] === 'reboot') ? lines() : null), 15_000, 'the recorder to be called')
    expect(calls.find((l) => l[0] === 'notify')).toEqual(['notify', 'Updates: save your work', 'Updates: save your work  This computer will restart now.', '0'])
    expect(calls.find((l) => l[0] === 'reboot')).toEqual(['reboot', 'Updates: save your work', '', '0'])
    expect((await changes()).map((c) => c.action)).toContain('power_reboot_done')
  }, 30_000)

  test('a shutdown at a time is sent when due, after its warning', async () => {
    const at = Date.now() + 2_000
    const res = await admin.post(`/api/v1/devices/${deviceId}/actions`, { action: 'shutdown', at, message: 'Night shutdown', delaySeconds: 2 })
    expect({ status: res.status, body: res.json }).toMatchObject({ status: 202, body: { status: 'scheduled', at } })
    const call = await waitFor(() => lines().find((l) => l[0] === 'shutdown'), 30_000, 'the scheduled shutdown')
    expect(call).toEqual(['shutdown', 'Night shutdown', '', '2'])
    // Sent at its time, then the 2 s warning.
    expect(Date.now()).toBeGreaterThanOrEqual(at + 2_000)
    expect(lines().find((l) => l[0] === 'notify' && l[1] === 'Night shutdown')![2]).toBe('Night shutdown  This computer will shut down in 2 seconds.')
  }, 40_000)

  test('the user defers: nothing is run, and the reboot comes back later', async () => {
    writeFileSync(deferFlag, '')
    const before = lines().filter((l) => l[0] === 'reboot').length
    const res = await admin.post(`/api/v1/devices/${deviceId}/actions`, { action: 'reboot', deferrals: 1, deferMinutes: 15, delaySeconds: 0 })
    expect(res.status).toBe(202)
    await waitFor(async () => (await changes()).find((c) => c.action === 'power_reboot_deferred'), 20_000, 'the deferral in the history')
    expect(lines().find((l) => l[0] === 'prompt')).toEqual(['prompt', '15', '1'])
    expect(lines().filter((l) => l[0] === 'reboot').length).toBe(before)
    const job = (await s.ctx.db.select().from(t.jobs).where(eq(t.jobs.type, 'device-actions.power'))).find((j) => j.uniqueKey?.includes(':defer:'))!
    expect(job.runAt).toBeGreaterThan(Date.now() + 14 * 60_000)
  }, 30_000)

  test('check in: a heartbeat and a full inventory now', async () => {
    const [before] = await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId))
    const res = await admin.post(`/api/v1/devices/${deviceId}/actions`, { action: 'checkin' })
    expect(res.status).toBe(200)
    expect(res.json.result.sections.sort()).toEqual(['disks', 'hardware', 'network', 'os', 'services', 'software'])
    const [after] = await s.ctx.db.select().from(t.devices).where(eq(t.devices.id, deviceId))
    expect(after.lastInventoryAt!).toBeGreaterThan(before.lastInventoryAt!)
    expect(after.lastHeartbeatAt ?? 0).toBeGreaterThanOrEqual(before.lastHeartbeatAt ?? 0)
  }, 60_000)

  test('wake-on-LAN: the magic packet, sent by the agent on the subnet, is captured inside the test\'s namespace', async () => {
    if (!netns) throw new Error('this test needs network namespaces (ip netns, run as root)')
    const nics = await s.ctx.db.select().from(t.deviceNetwork).where(eq(t.deviceNetwork.deviceId, deviceId))
    expect(nics.find((n) => n.ipAddress === `${subnet}.1`)).toMatchObject({ interfaceName: `${tag}a`, prefixLength: 24 })
    const mac = '02:42:ac:11:00:99'
    const target = (await makeDevice(s.ctx, { orgId, siteId, osType: 'windows', hostname: 'sleeping-pc', ip: `${subnet}.2` })).id
    await s.ctx.db.update(t.deviceNetwork).set({ macAddress: mac }).where(eq(t.deviceNetwork.deviceId, target))
    // A listener on UDP 9 inside the namespace: one datagram, its bytes in hex.
    const listener = Bun.spawn(['ip', 'netns', 'exec', ns, 'timeout', '20', 'socat', '-u', 'UDP4-RECVFROM:9,reuseaddr', 'SYSTEM:od -An -tx1 -v'], { stdout: 'pipe', stderr: 'pipe' })
    await waitFor(() => sh(['ip', 'netns', 'exec', ns, 'ss', '-uln']).stdout.toString().includes(':9 '), 5_000, 'the listener')
    const res = await admin.post(`/api/v1/devices/${target}/actions`, { action: 'wake' })
    expect({ status: res.status, body: res.json }).toMatchObject({ status: 200, body: { status: 'completed', relayDeviceId: deviceId, result: { sent: 1, broadcast: `${subnet}.255`, interface: `${tag}a` } } })
    const hex = (await new Response(listener.stdout).text()).replace(/\s+/g, '')
    expect(hex).toBe('ff'.repeat(6) + mac.replace(/:/g, '').repeat(16))
  }, 30_000)
})
