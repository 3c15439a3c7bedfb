// The file manager end to end with the compiled agent: browsing and changes, path checks
// (`..`, paths outside the allowed folders, symlink escapes), 200 MiB both ways over the relay
// and over WebRTC with a dropped connection that resumes, SHA-256 verification, the free-space
// check, and the transfer history.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { quietHome, RemoteViewer, sha256Of } from '../testing/remote'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let tech: TestClient
let techId: string
let agent: TestAgent
let deviceId: string
let orgId: string
let dir: string
const MiB = 1024 * 1024

const policy = (over: Record<string, unknown> = {}) => ({ requireMfa: false, recordTerminal: true, recordingRetentionDays: 30, idleTimeoutMinutes: 30, fileRoots: [], rootsApplyToAdmins: false, allowDesktop: true, ...over })

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  techId = (await makeUser(s.ctx, 'tess@example.com', 'org_technician', { orgId })).id
  admin = s.client()
  await admin.login(a.email, testPassword)
  tech = s.client()
  await tech.login('tess@example.com', testPassword)
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgId, { env: quietHome() }))
  dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-files-'))
}, 180_000)

afterAll(async () => {
  await stopTestAgents()
  await s.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function openFiles(client: TestClient = admin) {
  const res = await client.post('/api/v1/remote/sessions', { deviceId, type: 'files' })
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}\nagent log:\n${agent.logs().split('\n').slice(-20).join('\n')}`)
  const viewer = await RemoteViewer.connect(client, res.json.session.id, res.json.ticket)
  await viewer.frame('ready', 15_000).catch((e) => { throw new Error(`${(e as Error).message}\nagent log:\n${agent.logs().split('\n').slice(-20).join('\n')}`) })
  return { id: res.json.session.id as string, viewer }
}

async function rejoin(client: TestClient, id: string) {
  const join = await client.post(`/api/v1/remote/sessions/${id}/join`)
  expect(join.status).toBe(200)
  return RemoteViewer.connect(client, id, join.json.ticket)
}

/** A file of `size` pseudo-random bytes, written in pieces. */
function bigFile(file: string, size: number) {
  const piece = Buffer.alloc(4 * MiB)
  let seed = 12345
  for (let i = 0; i < piece.length; i += 4) { seed = (seed * 1103515245 + 12345) >>> 0; piece.writeUInt32LE(seed, i) }
  writeFileSync(file, '')
  const fd = require('node:fs').openSync(file, 'w')
  for (let at = 0; at < size; at += piece.length) require('node:fs').writeSync(fd, piece, 0, Math.min(piece.length, size - at), at)
  require('node:fs').closeSync(fd)
}

function agentRssMb(): number {
  const pid = Number(readFileSync(path.join(agent.configDir, 'agent.pid'), 'utf8'))
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
}

describe('browsing and changing', () => {
  test('list with size, date and permissions; create, rename and delete', async () => {
    const { id, viewer } = await openFiles()
    writeFileSync(path.join(dir, 'hello.txt'), 'hello world')
    mkdirSync(path.join(dir, 'sub'))
    writeFileSync(path.join(dir, 'sub', 'inner.txt'), 'x')
    expect((await viewer.fs('roots')).roots).toEqual(['/'])
    const list = await viewer.fs('list', dir)
    const hello = list.entries.find((e: { name: string }) => e.name === 'hello.txt')
    expect(hello).toMatchObject({ type: 'file', size: 11, mode: expect.stringMatching(/^[rwx-]{9}$/) })
    expect(hello.mtime).toBeGreaterThan(0)
    expect(list.entries.find((e: { name: string }) => e.name === 'sub').type).toBe('dir')
    await viewer.fs('mkdir', path.join(dir, 'made'))
    expect(existsSync(path.join(dir, 'made'))).toBe(true)
    await viewer.fs('rename', path.join(dir, 'hello.txt'), { to: path.join(dir, 'made', 'renamed.txt') })
    expect(readFileSync(path.join(dir, 'made', 'renamed.txt'), 'utf8')).toBe('hello world')
    await expect(viewer.fs('delete', path.join(dir, 'sub'))).rejects.toThrow('not empty')
    await viewer.fs('delete', path.join(dir, 'sub'), { recursive: true })
    expect(existsSync(path.join(dir, 'sub'))).toBe(false)
    await expect(viewer.fs('list', path.join(dir, 'nope'))).rejects.toThrow('no such file')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
  }, 60_000)
})

describe('path checks', () => {
  test('.. tricks, paths outside the allowed folders and symlink escapes are refused', async () => {
    const root = path.join(dir, 'allowed')
    const outside = path.join(dir, 'secret')
    mkdirSync(path.join(root, 'docs'), { recursive: true })
    mkdirSync(outside, { recursive: true })
    writeFileSync(path.join(outside, 'passwords.txt'), 'hunter2')
    writeFileSync(path.join(root, 'docs', 'ok.txt'), 'fine')
    symlinkSync(outside, path.join(root, 'escape'))
    symlinkSync(path.join(root, 'docs'), path.join(root, 'shortcut'))
    expect((await admin.put(`/api/v1/remote/settings/${orgId}`, policy({ fileRoots: [root], rootsApplyToAdmins: true }))).status).toBe(200)
    const { id, viewer } = await openFiles()
    expect((await viewer.fs('roots')).roots).toEqual([root])
    expect((await viewer.fs('list', root)).entries.map((e: { name: string }) => e.name)).toEqual(['docs', 'escape', 'shortcut'])
    await expect(viewer.fs('list', `${root}/../secret`)).rejects.toThrow('..')
    await expect(viewer.fs('list', outside)).rejects.toThrow('outside')
    await expect(viewer.fs('list', '/etc')).rejects.toThrow('outside')
    await expect(viewer.fs('list', 'docs')).rejects.toThrow('absolute')
    await expect(viewer.fs('list', path.join(root, 'escape'))).rejects.toThrow('symbolic link')
    await expect(viewer.fs('stat', path.join(root, 'escape', 'passwords.txt'))).rejects.toThrow('symbolic link')
    await expect(viewer.fs('rename', path.join(root, 'docs', 'ok.txt'), { to: path.join(outside, 'stolen.txt') })).rejects.toThrow('outside')
    expect((await viewer.fs('list', path.join(root, 'shortcut'))).entries[0].name).toBe('ok.txt')
    const down = await viewer.download(path.join(root, 'escape', 'passwords.txt'), path.join(dir, 'stolen'), { transferId: 'escape-down' })
    expect(down.info?.t).toBe('down.error')
    writeFileSync(path.join(dir, 'payload.txt'), 'payload')
    const up = await viewer.upload(path.join(dir, 'payload.txt'), path.join(root, 'escape', 'planted.txt'), { transferId: 'escape-up' })
    expect(up.result.t).toBe('up.error')
    expect(existsSync(path.join(outside, 'planted.txt'))).toBe(false)
    expect(readdirSync(outside)).toEqual(['passwords.txt'])
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    // Admins are not bound by the folders unless the policy says so.
    await admin.put(`/api/v1/remote/settings/${orgId}`, policy({ fileRoots: [root], rootsApplyToAdmins: false }))
    const again = await openFiles()
    expect((await again.viewer.fs('roots')).roots).toEqual(['/'])
    await admin.delete(`/api/v1/remote/sessions/${again.id}`)
    const techSession = await openFiles(tech)
    expect((await techSession.viewer.fs('roots')).roots).toEqual([root])
    await tech.delete(`/api/v1/remote/sessions/${techSession.id}`)
    await admin.put(`/api/v1/remote/settings/${orgId}`, policy())
  }, 60_000)
})

describe('transfers', () => {
  const size = 200 * MiB

  test('200 MiB upload over the relay: the connection drops, it resumes where it stopped, SHA-256 checked', async () => {
    const source = path.join(dir, 'big-up.bin')
    bigFile(source, size)
    const target = path.join(dir, 'uploaded.bin')
    const { id, viewer } = await openFiles()
    const rssBefore = agentRssMb()
    const first = await viewer.upload(source, target, { transferId: 'up-200', stopAfter: 80 * MiB })
    expect(first.result.t).toBe('interrupted')
    await waitFor(() => readdirSync(dir).some((n) => n.includes('.breeze-part-up-200')), 5_000, 'the part file')
    const again = await rejoin(admin, id)
    const second = await again.upload(source, target, { transferId: 'up-200' })
    expect(second.offset).toBeGreaterThan(0)
    expect(second.offset).toBeLessThan(size)
    expect(second.result).toMatchObject({ t: 'up.done', size, sha256: await sha256Of(source) })
    expect(await sha256Of(target)).toBe(await sha256Of(source))
    expect(readdirSync(dir).filter((n) => n.includes('breeze-part'))).toEqual([])
    // Streamed, never held whole: the agent's memory grew far less than the file.
    expect(agentRssMb() - rssBefore).toBeLessThan(100)
    await waitFor(async () => {
      const rows = (await admin.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers
      return rows.find((r: { id: string; status: string }) => r.id === 'up-200' && r.status === 'completed')
    }, 10_000, 'the transfer in the history')
    const row = (await admin.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers.find((r: { id: string }) => r.id === 'up-200')
    expect(row).toMatchObject({ direction: 'upload', remotePath: target, sizeBytes: size, transferredBytes: size, progressPercent: 100, via: 'relay', sha256: await sha256Of(source) })
    await admin.delete(`/api/v1/remote/sessions/${id}`)
  }, 180_000)

  test('200 MiB download over the relay: the connection drops, it resumes from what arrived, SHA-256 checked', async () => {
    const source = path.join(dir, 'uploaded.bin')
    const local = path.join(dir, 'downloaded.bin')
    const { id, viewer } = await openFiles()
    const first = await viewer.download(source, local, { transferId: 'down-200', stopAfter: 70 * MiB })
    expect(first.end?.t).toBe('interrupted')
    const have = Bun.file(local).size
    expect(have).toBeGreaterThan(0)
    const again = await rejoin(admin, id)
    const second = await again.download(source, local, { transferId: 'down-200', offset: have })
    expect(second.info).toMatchObject({ t: 'down.info', size, offset: have })
    expect(second.end).toMatchObject({ t: 'down.end', size })
    expect(await sha256Of(local)).toBe(second.end!.sha256 as string)
    expect(await sha256Of(local)).toBe(await sha256Of(source))
    await waitFor(async () => (await admin.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers.find((r: { id: string; status: string }) => r.id === 'down-200' && r.status === 'completed'), 10_000, 'the download in the history')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    await again.close()
  }, 180_000)

  test('over WebRTC both ways, a download resuming after the data channel dropped', async () => {
    // note: werift's SCTP moves a few MiB/s (see BENCHMARKS.md), so this uses smaller files.
    const source = path.join(dir, 'mid.bin')
    bigFile(source, 12 * MiB)
    const { id, viewer } = await openFiles()
    await viewer.upgrade()
    expect(viewer.path).toBe('webrtc')
    const up = await viewer.upload(source, path.join(dir, 'mid-up.bin'), { transferId: 'rtc-up' })
    expect(up.result).toMatchObject({ t: 'up.done', sha256: await sha256Of(source) })
    const local = path.join(dir, 'mid-down.bin')
    const first = await viewer.download(source, local, { transferId: 'rtc-down', stopAfter: 4 * MiB })
    expect(first.end?.t).toBe('interrupted')
    const again = await rejoin(admin, id)
    await again.upgrade()
    const have = Bun.file(local).size
    const second = await again.download(source, local, { transferId: 'rtc-down', offset: have })
    expect(second.end).toMatchObject({ t: 'down.end', size: 12 * MiB, sha256: await sha256Of(source) })
    expect(await sha256Of(local)).toBe(await sha256Of(source))
    await waitFor(async () => (await admin.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers.find((r: { id: string; status: string; via: string }) => r.id === 'rtc-down' && r.status === 'completed' && r.via === 'webrtc'), 10_000, 'the WebRTC download in the history')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    await again.close()
  }, 180_000)

  test('a wrong SHA-256 discards the upload; a file bigger than the free space is refused before a byte is written', async () => {
    const { id, viewer } = await openFiles()
    const small = path.join(dir, 'small.txt')
    writeFileSync(small, 'some content')
    const bad = await viewer.upload(small, path.join(dir, 'bad.txt'), { transferId: 'bad-sha', sha256: '0'.repeat(64) })
    expect(bad.result.t).toBe('up.error')
    expect(String(bad.result.error)).toContain('SHA-256 mismatch')
    expect(existsSync(path.join(dir, 'bad.txt'))).toBe(false)
    expect(readdirSync(dir).filter((n) => n.includes('breeze-part'))).toEqual([])
    // Declare an impossible size: the agent compares it with the disk's free space first.
    const handle = 999
    viewer.send({ t: 'up.begin', id: handle, handle, path: path.join(dir, 'huge.bin'), size: 2 ** 52, transferId: 'too-big' })
    const refused = await viewer.frame('up.error', 10_000, (f) => f.handle === handle)
    expect(String(refused.error)).toContain('not enough free space')
    expect(readdirSync(dir).filter((n) => n.includes('huge') || n.includes('too-big'))).toEqual([])
    // Overwriting needs to be asked for.
    const exists = await viewer.upload(small, small, { transferId: 'exists' })
    expect(String(exists.result.error)).toContain('exists')
    const overwrite = await viewer.upload(small, small, { transferId: 'overwrite', overwrite: true })
    expect(overwrite.result.t).toBe('up.done')
    await admin.delete(`/api/v1/remote/sessions/${id}`)
    // The session's page lists what was moved, failures with their reason.
    await waitFor(async () => (await admin.get(`/remote/sessions/${id}`)).text.includes('SHA-256 mismatch'), 5_000, 'the transfers on the session page')
    const page = await admin.get(`/remote/sessions/${id}`)
    expect(page.text).toContain('Files moved in this session')
    expect(page.text).toContain(small)
  }, 60_000)

  test('the transfer history is per device and per user, and shows only what the caller may see', async () => {
    const all = (await admin.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers
    expect(all.length).toBeGreaterThanOrEqual(3)
    const mine = (await admin.get(`/api/v1/remote/transfers?userId=${all[0].userId}`)).json.transfers
    expect(mine.length).toBe(all.length)
    expect((await tech.get(`/api/v1/remote/transfers?userId=${techId}`)).json.transfers).toEqual([])
    expect((await tech.get(`/api/v1/remote/transfers?deviceId=${deviceId}`)).json.transfers.length).toBe(all.length)
  })
})
