// A full disk (issue 11, item 18). On SQLite the data directory is a real, small tmpfs filled to
// the last byte (mounting needs root: without it these tests are skipped with a warning, since
// PRAGMA max_page_count cannot make a small insert fail — a page with room still takes it); on PostgreSQL the
// server's own disk cannot be filled from here, so a trigger raises its disk_full error
// (SQLSTATE 53100) the way a full disk would. Either way: an API write answers 503
// storage_full with Retry-After and writes nothing, /healthz and /readyz say degraded with the
// cause, the log names it once, a chunk of agent output that could not be stored is not
// acknowledged (the agent sends it again), and everything recovers once a write succeeds.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { BlobStore } from '../blobs/store'
import { outputBlobKey } from '../scripts/output'
import { runSql } from '../db/raw'
import { t } from '../db/tables'
import { createLogger } from '../lib/log'
import { StorageFullError, StorageState, storageCause } from '../lib/storage'
import { waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { ApiClient } from '../../agent/src/api'
import { LiveChannel } from '../../agent/src/channel'
import { startTestServer, usingPostgres, type TestServer } from '../testing/server'

/** tmpfs mounts a small tmpfs at a new directory (root only); null where that is not allowed. */
function tmpfs(size: string): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
}
function unmount(dir: string | null) {
  if (!dir) return
  try { execFileSync('umount', [dir], { stdio: 'ignore' }) } catch { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) }
  rmSync(dir, { recursive: true, force: true })
}

/** fillFile writes `file` until the file system has no byte left. */
function fillFile(file: string) {
  const fd = openSync(file, 'w')
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size, 120)
      for (;;) { try { writeSync(fd, chunk) } catch { break } }
    }
  } finally {
    closeSync(fd)
  }
}

describe('storageCause', () => {
  test('tells storage failures from other errors, through the wrappers', () => {
    const sqliteFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL', errno: 13 })
    expect(storageCause(sqliteFull)).toEqual({ code: 'SQLITE_FULL', message: 'database or disk is full', full: true })
    expect(storageCause(new Error('Failed query: insert …', { cause: sqliteFull }))?.code).toBe('SQLITE_FULL')
    expect(storageCause(Object.assign(new Error('could not extend file'), { code: '53100' }))?.full).toBe(true)
    expect(storageCause(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))?.full).toBe(true)
    expect(storageCause(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toEqual({ code: 'SQLITE_IOERR_WRITE', message: 'disk I/O error', full: false })
    expect(storageCause(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull()
    expect(storageCause(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeNull()
    expect(storageCause(new Error('plain'))).toBeNull()
  })
})

describe('the blob store on a full file system', () => {
  test('a write that does not fit leaves nothing behind, says storage_full, and the next one that fits clears the state', async () => {
    const dir = tmpfs('1m')
    if (!dir) return console.warn('skipped: mounting a tmpfs needs root')
    try {
      const state = new StorageState()
      const blobs = new BlobStore(path.join(dir, 'blobs'), state)
      await blobs.append('out/a.log', 'first line\n')
      // note: 2 MiB in pieces does not fit in 1 MiB; the part that did is cut off again.
      const err = await blobs.append('out/a.log', Array.from({ length: 32 }, () => 'x'.repeat(64 * 1024))).catch((e) => e)
      expect(err).toBeInstanceOf(StorageFullError)
      expect(err.code).toBe('storage_full')
      expect(err.storage.code).toBe('ENOSPC')
      expect(await (await blobs.get('out/a.log'))!.text()).toBe('first line\n')
      expect(state.current.map((f) => [f.area, f.code])).toEqual([['files', 'ENOSPC']])
      expect(await blobs.put('out/b.bin', new Uint8Array(2 << 20)).catch((e) => e)).toBeInstanceOf(StorageFullError)
      expect(await blobs.keys()).toEqual(['out/a.log'])
      expect(await blobs.size('out/b.bin')).toBeNull()
      await blobs.append('out/a.log', 'second line\n')
      expect(state.failing).toBe(false)
      expect(await (await blobs.get('out/a.log'))!.text()).toBe('first line\nsecond line\n')
    } finally {
      unmount(dir)
    }
  })
})

const mount = usingPostgres ? null : tmpfs('64m')
if (!usingPostgres && !mount) console.warn('skipped: the SQLite full-disk tests mount a tmpfs, which needs root')

describe.skipIf(!usingPostgres && !mount)(`a full disk under the database (${usingPostgres ? 'PostgreSQL disk_full' : 'SQLite on a full tmpfs'})`, () => {
  let s: TestServer
  let admin: TestClient
  let agent: ProtocolAgent
  let orgId: string
  let scriptId: string
  let enrollmentKey: string
  const logs: string[] = []
  const dataDir = mount ?? mkdtempSync(path.join(os.tmpdir(), 'bz-full-'))
  const filler = path.join(dataDir, 'filler')

  beforeAll(async () => {
    s = await startTestServer({ dataDir, runningClock: true, log: createLogger('debug', (l) => logs.push(l)) })
    const a = await setupAdmin(s.ctx)
    orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
    await makeSite(s.ctx, orgId, 'HQ')
    admin = s.client()
    await admin.login(a.email, testPassword)
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key
    enrollmentKey = key
    agent = await enrollProtocolAgent(s, key)
    await agent.connect()
    scriptId = (await admin.post('/api/v1/scripts', { name: 'Echo', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo hi', parameters: [] })).json.id
  }, 30_000)
  afterAll(async () => {
    agent?.close()
    await s?.stop()
    unmount(mount)
    if (!mount) rmSync(dataDir, { recursive: true, force: true })
  })

  /** fill makes every new write fail the way a full disk does; the returned function frees the space. */
  async function fill(): Promise<() => Promise<void>> {
    const database = s.ctx.database
    if (database.dialect === 'pg') {
      await runSql(database, sql.raw(`CREATE FUNCTION bz_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file "base/16384/16385": No space left on device' USING ERRCODE = '53100'; END $$`))
      const tables = ['tickets', 'script_output_chunks', 'agent_commands']
      for (const table of tables) await runSql(database, sql.raw(`CREATE TRIGGER bz_disk_full BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION bz_disk_full()`))
      return async () => { await runSql(database, sql.raw(`${tables.map((table) => `DROP TRIGGER bz_disk_full ON ${table};`).join(' ')} DROP FUNCTION bz_disk_full()`)) }
    }
    // note: an emptied WAL must grow for the next write, which a full disk refuses.
    database.sqlite!.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    fillFile(filler)
    return async () => rmSync(filler)
  }

  /** newCommand waits for a script.run command on the protocol agent's socket that no test has taken yet. */
  const taken = new Set<string>()
  async function newCommand() {
    const m = await waitFor(() => agent.inbox.find((x) => x.type === 'command' && x.command.type === 'script.run' && !taken.has(x.command.id)), 10_000, 'a new command')
    const command = (m as Extract<typeof m, { type: 'command' }>).command
    taken.add(command.id)
    return command
  }

  const tickets = async () => (await s.ctx.db.select({ id: t.tickets.id }).from(t.tickets).where(eq(t.tickets.orgId, orgId))).length
  const audits = async () => (await s.ctx.db.select({ id: t.auditLogs.id }).from(t.auditLogs).where(eq(t.auditLogs.action, 'ticket.create'))).length
  const health = async (p: string) => { const r = await fetch(s.url + p); return { status: r.status, body: (await r.json()) as any } }

  test('an API write answers 503 storage_full with Retry-After, writes nothing, health says degraded; all clears once space returns', async () => {
    const before = { tickets: await tickets(), audits: await audits() }
    expect((await health('/healthz')).body.storage).toEqual({ status: 'ok' })
    const free = await fill()
    let res
    try {
      res = await admin.post('/api/v1/tickets', { orgId, title: 'Printer on fire' })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('60')
      expect(res.json.error.code).toBe('storage_full')
      expect(res.json.error.details.cause).toBe(usingPostgres ? '53100' : 'SQLITE_FULL')
      const h = await health('/healthz')
      expect(h.status).toBe(503)
      expect(h.body.status).toBe('degraded')
      expect(h.body.db).toBe('ok')
      expect(h.body.storage.status).toBe('full')
      expect(h.body.storage.failures[0]).toMatchObject({ area: 'database', code: usingPostgres ? '53100' : 'SQLITE_FULL', full: true })
      expect(h.body.storage.failures[0].reason).toContain(usingPostgres ? '53100' : 'SQLITE_FULL')
      const r = await health('/readyz')
      expect(r.status).toBe(503)
      expect(r.body.status).toBe('degraded')
      expect(r.body.checks.storage.status).toBe('full')
      const metrics = await (await fetch(s.url + '/metrics')).text()
      expect(metrics).toContain('breeze_storage_degraded{area="database"} 1')
      expect(metrics).toMatch(new RegExp(`breeze_storage_errors_total\\{area="database",code="${usingPostgres ? '53100' : 'SQLITE_FULL'}"\\} [1-9]`))
      // Every write is refused the same way while the disk is full.
      expect((await admin.post('/api/v1/tickets', { orgId, title: 'Again' })).status).toBe(503)
    } finally {
      await free()
    }
    // Nothing of the refused writes is there (nor its audit row).
    expect({ tickets: await tickets(), audits: await audits() }).toEqual(before)
    // The cause is in the log once, by name; no "cannot rollback" and no 500s.
    const entries = logs.map((l) => JSON.parse(l))
    const degraded = entries.filter((e) => e.msg.startsWith('storage full'))
    expect(degraded.length).toBe(1)
    expect(degraded[0]).toMatchObject({ level: 'error', area: 'database', code: usingPostgres ? '53100' : 'SQLITE_FULL' })
    expect(logs.join('\n')).not.toContain('cannot rollback')
    expect(entries.filter((e) => e.msg === 'request failed')).toEqual([])
    // The one error-level line is that one: the refused requests, jobs and agent messages log at debug.
    expect(entries.filter((e) => e.level === 'error').map((e) => e.msg)).toEqual([degraded[0].msg])

    res = await admin.post('/api/v1/tickets', { orgId, title: 'Printer on fire' })
    expect(res.status).toBe(201)
    expect(await tickets()).toBe(before.tickets + 1)
    const h = await health('/healthz')
    expect(h.status).toBe(200)
    expect(h.body).toMatchObject({ status: 'ok', storage: { status: 'ok' } })
    expect((await health('/readyz')).body.status).toBe('ready')
    expect(logs.some((l) => l.includes('storage takes writes again'))).toBe(true)
    if (s.ctx.database.sqlite) expect(s.ctx.database.sqlite.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
  })

  test('agent output that could not be stored is not acknowledged; sent again once there is space, it is stored once and acknowledged', async () => {
    const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] })
    expect(res.status).toBe(201)
    const executionId = res.json.executions[0].id as string
    const command = await newCommand()
    agent.send({ type: 'command.ack', id: command.id })
    await waitFor(async () => (await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, executionId)))[0].status === 'running', 10_000, 'running')
    const chunk = { type: 'command.output', id: command.id, seq: 0, stream: 'stdout', data: 'hello from a full disk\n' }
    const acks = () => agent.inbox.filter((m) => m.type === 'command.output.ack' && m.id === command.id).length
    const free = await fill()
    try {
      agent.send(chunk)
      await waitFor(() => s.ctx.health.storage.failing, 10_000, 'the storage failure')
      // note: a round trip after the failure: the refusal has been handled by now.
      const pongs = agent.inbox.filter((m) => m.type === 'pong').length
      agent.send({ type: 'ping' })
      await waitFor(() => agent.inbox.filter((m) => m.type === 'pong').length > pongs, 10_000, 'pong')
      expect(acks()).toBe(0)
    } finally {
      await free()
    }
    agent.send(chunk)
    await waitFor(() => acks() === 1, 10_000, 'the acknowledgement')
    const [row] = await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, executionId))
    expect(row.stdout).toBe('hello from a full disk\n')
    expect(s.ctx.health.storage.failing).toBe(false)
  })

  test('output whose blob the disk cannot take is stored nowhere (no chunk claimed, no inline text) until it fits, then once', async () => {
    // note: a small tmpfs over the blob folder only: the database takes writes, the files do not.
    const blobsDir = path.join(dataDir, 'blobs')
    mkdirSync(blobsDir, { recursive: true })
    try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', blobsDir], { stdio: 'ignore' }) } catch { return console.warn('skipped: mounting a tmpfs needs root') }
    try {
      const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] })
      const executionId = res.json.executions[0].id as string
      const command = await newCommand()
      agent.send({ type: 'command.ack', id: command.id })
      await waitFor(async () => (await commandStatus(command.id)) === 'running', 10_000, 'running')
      const chunk = { type: 'command.output', id: command.id, seq: 0, stream: 'stdout', data: 'x'.repeat(60_000) }
      const acks = () => agent.inbox.filter((m) => m.type === 'command.output.ack' && m.id === command.id).length
      fillFile(path.join(blobsDir, 'filler'))
      agent.send(chunk)
      await waitFor(() => s.ctx.health.storage.current.some((f) => f.area === 'files'), 10_000, 'the file storage failure')
      const pongs = agent.inbox.filter((m) => m.type === 'pong').length
      agent.send({ type: 'ping' })
      await waitFor(() => agent.inbox.filter((m) => m.type === 'pong').length > pongs, 10_000, 'pong')
      expect(acks()).toBe(0)
      const h = await health('/healthz')
      expect(h.body.storage.failures).toEqual([expect.objectContaining({ area: 'files', code: 'ENOSPC' })])
      // Nothing of the chunk anywhere: a resend must not find it taken.
      const [before] = await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, executionId))
      expect({ stdout: before.stdout, outputBytes: Number(before.outputBytes) }).toEqual({ stdout: '', outputBytes: 0 })
      expect(await s.ctx.db.select().from(t.scriptOutputChunks).where(eq(t.scriptOutputChunks.executionId, executionId))).toEqual([])
      rmSync(path.join(blobsDir, 'filler'))
      agent.send(chunk)
      await waitFor(() => acks() === 1, 10_000, 'the acknowledgement')
      const [after] = await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, executionId))
      expect(after.stdout).toBe(chunk.data)
      expect(await (await s.ctx.blobs.get(outputBlobKey(executionId)))!.text()).toBe(chunk.data)
      expect(s.ctx.health.storage.failing).toBe(false)
    } finally {
      unmount(blobsDir)
      mkdirSync(blobsDir, { recursive: true })
    }
  })

  /** started runs the script on `deviceId` through the API and returns its command, acknowledged by `ack`. */
  async function started(deviceId: string, command: () => Promise<{ id: string }>, ack: (id: string) => void) {
    const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [deviceId] })
    expect(res.status).toBe(201)
    const c = await command()
    ack(c.id)
    await waitFor(async () => (await commandStatus(c.id)) === 'running', 10_000, 'running')
    return c.id
  }
  const commandStatus = async (id: string) => (await s.ctx.db.select({ status: t.agentCommands.status }).from(t.agentCommands).where(eq(t.agentCommands.id, id)))[0].status
  const resultOf = (id: string) => ({ type: 'command.result' as const, id, status: 'completed' as const, result: { exitCode: 0, durationMs: 5, outputBytes: 0, truncated: false }, error: null })

  test('a result the server could not store is not acknowledged; stored when sent again, it is', async () => {
    const id = await started(agent.deviceId, newCommand, (c) => agent.send({ type: 'command.ack', id: c }))
    expect(agent.inbox.find((m) => m.type === 'server.hello')).toMatchObject({ resultAcks: true })
    const acks = () => agent.inbox.filter((m) => m.type === 'command.result.ack' && m.id === id).length
    const free = await fill()
    try {
      agent.send(resultOf(id))
      await waitFor(() => s.ctx.health.storage.failing, 10_000, 'the storage failure')
      const pongs = agent.inbox.filter((m) => m.type === 'pong').length
      agent.send({ type: 'ping' })
      await waitFor(() => agent.inbox.filter((m) => m.type === 'pong').length > pongs, 10_000, 'pong')
      expect(acks()).toBe(0)
      expect(await commandStatus(id)).toBe('running')
    } finally {
      await free()
    }
    agent.send(resultOf(id))
    await waitFor(() => acks() === 1, 10_000, 'the acknowledgement')
    expect(await commandStatus(id)).toBe('completed')
  })

  test('the agent keeps an unacknowledged result: sends it again on the socket, and over HTTP once the socket drops', async () => {
    const device = await enrollProtocolAgent(s, enrollmentKey, { hostname: 'channel-agent' })
    const [agentId, secret] = device.auth.split(' ')[1].split('.')
    const api = new ApiClient({ serverUrl: s.url, deviceId: device.deviceId, agentId, secret, serverPublicKey: '', heartbeatSeconds: 60, orgId, siteId: '', enrolledAt: 0 })
    const inbox: { type: string; command?: { id: string; type: string } }[] = []
    const channel: LiveChannel = new LiveChannel(`${s.url.replace(/^http/, 'ws')}/ws/agents/${agentId}`, api, async () => ({ type: 'agent.hello', protocolVersion: 1, agentVersion: '0.1.0', hardwareId: device.hardwareId, running: channel.undeliveredResults() }), { onMessage: (m) => inbox.push(m as never), onFatal: () => {} })
    channel.start()
    try {
      await waitFor(() => s.ctx.agents.isConnected(device.deviceId), 10_000, 'the channel')
      const runOne = () => started(device.deviceId, async () => (await waitFor(() => inbox.find((m) => m.type === 'command' && m.command!.type === 'script.run' && !seen.has(m.command!.id)), 10_000, 'the command')).command!, (c) => { seen.add(c); channel.send({ type: 'command.ack', id: c }) })
      const seen = new Set<string>()
      // 1. Sent again on the socket once the resend time has passed.
      const first = await runOne()
      let free = await fill()
      try {
        channel.send(resultOf(first))
        await waitFor(() => s.ctx.health.storage.failing, 10_000, 'the storage failure')
        expect(channel.undeliveredResults()).toContain(first)
      } finally {
        await free()
      }
      channel.resendUnconfirmed(Date.now() + 61_000)
      await waitFor(async () => (await commandStatus(first)) === 'completed', 10_000, 'the result sent again')
      await waitFor(() => channel.undeliveredResults().length === 0, 10_000, 'the acknowledgement')
      // 2. Posted over HTTP once the socket drops (the server answers 503 storage_full meanwhile; the batch is kept).
      const second = await runOne()
      free = await fill()
      try {
        channel.send(resultOf(second))
        await waitFor(() => s.ctx.health.storage.failing, 10_000, 'the storage failure')
        s.ctx.agents.get(device.deviceId)?.terminate()
        await waitFor(() => !s.ctx.agents.isConnected(device.deviceId), 10_000, 'the socket to drop')
        expect(channel.undeliveredResults()).toEqual([second])
      } finally {
        await free()
      }
      await waitFor(async () => (await commandStatus(second)) === 'completed', 20_000, 'the result delivered after the drop')
      const [row] = await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.commandId, second))
      expect(row?.status).toBe('completed')
    } finally {
      channel.stop()
    }
  }, 60_000)
})

test('the data directory mount used above is gone again', () => {
  // note: never leave the machine changed (DESIGN.md); a tmpfs left mounted would be.
  const mounts = execFileSync('cat', ['/proc/self/mounts']).toString()
  expect(mounts.includes('bz-full-')).toBe(false)
})
