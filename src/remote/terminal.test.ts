// Terminal sessions end to end with the compiled agent on this machine: a real PTY over the
// relay and over WebRTC (a werift peer standing in for the browser), resize, several
// terminals at once, view-only viewers, kill within 5 s, idle timeout, the shell exiting, the
// device going offline, recordings and their retention.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { readFileSync } from 'node:fs'
import { t } from '../db/tables'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import { bearerClient } from '../testing/alerts'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { quietHome, RemoteViewer } from '../testing/remote'
import { startTestServer, type TestServer } from '../testing/server'
import { pruneRecordings } from './recordings'
import { remoteHub, sweepRemoteSessions } from './sessions'

let s: TestServer
let admin: TestClient
let tech: TestClient
let agent: TestAgent
let deviceId: string
let orgId: string

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  await makeUser(s.ctx, 'tess@example.com', 'org_technician', { orgId })
  // note: an API key, because these tests move the clock by days (a browser session would expire).
  admin = await bearerClient(s, a.email, testPassword)
  tech = s.client()
  await tech.login('tess@example.com', testPassword)
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgId, { env: quietHome() }))
}, 180_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
})

/** open starts a terminal as `client` and attaches a viewer once the shell is ready. */
async function open(client: TestClient, body: Record<string, unknown> = {}) {
  const res = await client.post('/api/v1/remote/sessions', { deviceId, type: 'terminal', cols: 100, rows: 30, ...body })
  expect(res.status).toBe(201)
  const viewer = await RemoteViewer.connect(client, res.json.session.id, res.json.ticket)
  await viewer.frame('ready', 15_000)
  // note: the relay carries the shell's frames before the row says active (that write is async).
  await waitFor(async () => (await session(res.json.session.id)).status === 'active', 10_000, 'the session to be active')
  return { id: res.json.session.id as string, viewer }
}

/** shellPid asks the shell for its own pid. */
async function shellPid(v: RemoteViewer, tag: string): Promise<number> {
  v.type(`echo ${tag}=$$\r`)
  const m = await v.until(() => new RegExp(`${tag}=(\\d+)`).exec(v.screen), 10_000, `${tag} pid`)
  return Number(m[1])
}

function alive(pid: number) {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return false }
}

const session = async (id: string) => (await admin.get(`/api/v1/remote/sessions/${id}`)).json

describe('terminal over the relay', () => {
  test('a real shell: output, UTF-8 and colours, resize, ping', async () => {
    const { id, viewer } = await open(admin)
    expect(viewer.hello).toMatchObject({ role: 'control', kind: 'terminal' })
    viewer.type('echo relay-$((6*7)) $TERM ünïcødé\r')
    await viewer.untilScreen('relay-42 xterm-256color ünïcødé')
    viewer.send({ t: 'resize', cols: 132, rows: 43 })
    await viewer.frame('resized')
    viewer.type('stty size\r')
    await viewer.untilScreen('43 132')
    viewer.send({ t: 'ping', at: 123 })
    expect((await viewer.frame('pong')).at).toBe(123)
    expect(viewer.path).toBe('relay')
    expect(await session(id)).toMatchObject({ status: 'active', transport: 'relay', shell: expect.stringMatching(/sh$/) })
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    expect((await viewer.frame('ended')).reason).toBe('closed')
  }, 60_000)

  test('several terminals on one device are independent PTYs', async () => {
    const one = await open(admin)
    const two = await open(admin)
    const [a, b] = await Promise.all([shellPid(one.viewer, 'one'), shellPid(two.viewer, 'two')])
    expect(a).not.toBe(b)
    one.viewer.type('export WHO=first\r')
    two.viewer.type('echo "who=[$WHO]"\r')
    await two.viewer.untilScreen('who=[]')
    expect(one.viewer.screen).not.toContain('who=')
    for (const x of [one, two]) await admin.delete(`/api/v1/remote/sessions/${x.id}`)
  }, 60_000)

  test('a second technician watches view-only: same screen, input ignored', async () => {
    const { id, viewer } = await open(admin)
    viewer.type('echo before-join\r')
    await viewer.untilScreen('before-join')
    const join = await tech.post(`/api/v1/remote/sessions/${id}/join`)
    expect(join.json.role).toBe('view')
    const watcher = await RemoteViewer.connect(tech, id, join.json.ticket)
    await watcher.untilScreen('before-join')
    watcher.type('echo typed-by-viewer\r')
    watcher.send({ t: 'resize', cols: 20, rows: 5 })
    viewer.type('echo after-join\r')
    await watcher.untilScreen('after-join')
    expect(viewer.screen).not.toContain('typed-by-viewer')
    await viewer.until(() => viewer.frames.find((f) => f.t === 'viewers' && (f.list as unknown[]).length === 2), 5_000, 'the viewer list')
    const audit = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'remote.session.join'))
    expect(audit.some((r) => (r.details as { sessionId?: string }).sessionId === id)).toBe(true)
    await admin.delete(`/api/v1/remote/sessions/${id}`)
  }, 60_000)

  test('the shell exiting ends the session', async () => {
    const { id, viewer } = await open(admin)
    viewer.type('exit 3\r')
    expect((await viewer.frame('exit')).code).toBe(3)
    await waitFor(async () => (await session(id)).status === 'ended', 10_000, 'the session to end')
    expect((await session(id)).endReason).toBe('exited')
  }, 60_000)
})

describe('terminal over WebRTC', () => {
  test('a werift peer gets a direct data channel; input and output travel on it, not through the server', async () => {
    const { id, viewer } = await open(admin)
    viewer.type('echo on-relay\r')
    await viewer.untilScreen('on-relay')
    await viewer.upgrade()
    expect(viewer.path).toBe('webrtc')
    const relay = remoteHub(s.ctx).relays.get(id)!
    const relayedIn = relay.bytesIn
    s.clock.advance(60_000)
    viewer.type('echo over-webrtc-$((9*9))\r')
    await viewer.untilScreen('over-webrtc-81')
    // Keystrokes went straight to the agent: the relay carried nothing from this viewer,
    // but the agent told the server someone is typing (its idle timeout).
    expect(relay.bytesIn).toBe(relayedIn)
    await waitFor(() => relay.lastActivity === s.clock.now(), 5_000, 'activity reported over the relay')
    // Output is still recorded by the server while it travels directly to the viewer.
    await waitFor(async () => (await session(id)).transport === 'webrtc', 5_000, 'transport webrtc')
    expect((await session(id)).iceCandidateTypes).toContain('host')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    await viewer.frame('ended')
    const cast = await admin.get(`/api/v1/remote/sessions/${id}/recording`)
    expect(cast.text).toContain('over-webrtc-81')
    await viewer.close()
  }, 60_000)
})

describe('ending sessions', () => {
  test('an admin kills a technician\'s session: the shell is gone within 5 s', async () => {
    const { id, viewer } = await open(tech)
    const pid = await shellPid(viewer, 'victim')
    expect(alive(pid)).toBe(true)
    expect((await tech.get('/api/v1/remote/sessions?status=live')).json.sessions.map((x: { id: string }) => x.id)).toContain(id)
    const started = Date.now()
    const res = await admin.delete(`/api/v1/remote/sessions/${id}`)
    expect(res.json).toMatchObject({ status: 'ended', endReason: 'killed' })
    await waitFor(() => !alive(pid), 5_000, 'the shell to die')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect((await viewer.frame('ended')).reason).toBe('killed')
    const [audit] = await s.ctx.db.select().from(t.auditLogs).where(and(eq(t.auditLogs.action, 'remote.session.kill'), eq(t.auditLogs.resourceId, deviceId)))
    expect(audit).toBeTruthy()
  }, 60_000)

  test('a technician cannot kill someone else\'s session', async () => {
    const { id } = await open(admin)
    const res = await tech.delete(`/api/v1/remote/sessions/${id}`)
    expect(res.status).toBe(403)
    await admin.delete(`/api/v1/remote/sessions/${id}`)
  }, 60_000)

  test('idle timeout: no input for longer than the org allows ends it', async () => {
    expect((await admin.put(`/api/v1/remote/settings/${orgId}`, { requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 5, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true })).status).toBe(200)
    const { id, viewer } = await open(admin)
    const pid = await shellPid(viewer, 'idle')
    s.clock.advance(4 * 60_000)
    await sweepRemoteSessions(s.ctx)
    expect((await session(id)).status).toBe('active')
    viewer.type('true\r')
    await waitFor(() => remoteHub(s.ctx).relays.get(id)?.lastActivity === s.clock.now(), 5_000, 'the keystroke to count as activity')
    s.clock.advance(4 * 60_000)
    await sweepRemoteSessions(s.ctx)
    expect((await session(id)).status).toBe('active')
    s.clock.advance(2 * 60_000)
    await sweepRemoteSessions(s.ctx)
    expect((await session(id)).endReason).toBe('idle')
    await waitFor(() => !alive(pid), 5_000, 'the idle shell to die')
  }, 60_000)

  test('the device going offline ends its sessions', async () => {
    const { id, viewer } = await open(admin)
    s.ctx.events.emit('device.offline', { deviceId, orgId, lastSeenAt: s.clock.now() })
    await s.ctx.events.settle()
    expect((await session(id)).endReason).toBe('offline')
    expect((await viewer.frame('ended')).reason).toBe('offline')
  }, 60_000)
})

describe('recordings', () => {
  test('asciicast v2 with output and resizes; pruned after the retention', async () => {
    const { id, viewer } = await open(admin)
    viewer.type('printf "\\033[31mred-%s\\033[0m\\n" $((2+2))\r')
    await viewer.untilScreen('red-4')
    viewer.send({ t: 'resize', cols: 90, rows: 20 })
    await viewer.frame('resized')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    const res = await admin.get(`/api/v1/remote/sessions/${id}/recording`)
    expect(res.headers.get('content-type')).toBe('application/x-asciicast')
    const [header, ...events] = res.text.trim().split('\n').map((l) => JSON.parse(l))
    expect(header).toMatchObject({ version: 2, width: 100, height: 30, env: { TERM: 'xterm-256color' } })
    const output = events.filter((e) => e[1] === 'o').map((e) => e[2]).join('')
    expect(output).toContain('\u001b[31mred-4\u001b[0m')
    expect(events.some((e) => e[1] === 'r' && e[2] === '90x20')).toBe(true)
    expect(events.every((e, i) => i === 0 || e[0] >= events[i - 1][0])).toBe(true)
    const list = (await admin.get(`/api/v1/remote/recordings?deviceId=${deviceId}`)).json.recordings
    const rec = list.find((r: { sessionId: string }) => r.sessionId === id)
    expect(rec.bytes).toBeGreaterThan(0)
    // Recordings live as long as the org's retention (30 days here), then go with their file.
    s.clock.advance(31 * 86_400_000)
    expect(await pruneRecordings(s.ctx)).toBeGreaterThan(0)
    expect((await admin.get(`/api/v1/remote/sessions/${id}/recording`)).status).toBe(404)
    expect(await s.ctx.blobs.get(rec.blobKey)).toBeNull()
  }, 60_000)

  test('no recording when the org turns it off', async () => {
    await admin.put(`/api/v1/remote/settings/${orgId}`, { requireMfa: false, recordTerminal: false, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true })
    const { id, viewer } = await open(admin)
    viewer.type('echo unrecorded\r')
    await viewer.untilScreen('unrecorded')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    expect((await session(id)).recording).toBe(false)
    expect((await admin.get(`/api/v1/remote/sessions/${id}/recording`)).status).toBe(404)
    await admin.put(`/api/v1/remote/settings/${orgId}`, { requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true })
  }, 60_000)
})
