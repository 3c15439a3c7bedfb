// The command queue seen from a feature: prepare at dispatch, signed delivery over the socket
// or the heartbeat answer, streamed output with sequence numbers, results, cancel, expiry and
// timeouts. The agent here is a small protocol-speaking client that checks every signature.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { newId } from '../lib/ids'
import { commandSigningText, type SignedCommand } from '../protocol'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { publicKeyFromRaw, signatureValid } from '../../agent/src/verify'
import { cancelCommand, queueCommand, registerCommandType, sweepCommands, type CommandOutcome, type OutputChunk } from './commands'

let s: TestServer
let key: string
const seen = { prepared: [] as string[], output: [] as OutputChunk[], results: [] as { id: string; outcome: CommandOutcome }[] }

registerCommandType('test.echo', {
  prepare: (_ctx, command) => { seen.prepared.push(command.id); return { ...command.payload, secret: `unsealed:${command.payload.sealed}` } },
  onOutput: (_ctx, _command, chunk) => { seen.output.push(chunk) },
  onResult: (_ctx, command, outcome) => { seen.results.push({ id: command.id, outcome }) },
})

type Fake = { deviceId: string; agentId: string; auth: string; hardwareId: string; publicKey: string }
async function enroll(): Promise<Fake> {
  const hardwareId = `hw-${newId()}`
  const r = await fetch(`${s.url}/api/v1/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enrollmentKey: key, hostname: 'fake', osType: 'linux', osVersion: '12', architecture: 'x64', platform: 'linux-x64', agentVersion: '0.1.0', protocolVersion: 1, hardwareId }) })
  const j = (await r.json()) as any
  return { deviceId: j.deviceId, agentId: j.agentId, auth: `BreezeAgent ${j.agentId}.${j.agentSecret}`, hardwareId, publicKey: j.serverPublicKey }
}

/** connect opens the agent socket and collects what the server sends. */
async function connect(a: Fake) {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws/agents/${a.agentId}`, { headers: { authorization: a.auth } } as any)
  const inbox: any[] = []
  ws.onmessage = (m) => inbox.push(JSON.parse(String(m.data)))
  await new Promise((r) => { ws.onopen = r })
  ws.send(JSON.stringify({ type: 'agent.hello', protocolVersion: 1, agentVersion: '0.1.0', hardwareId: a.hardwareId }))
  await until(() => inbox.some((m) => m.type === 'server.hello'))
  return { ws, inbox, send: (m: unknown) => ws.send(JSON.stringify(m)) }
}

async function until<T>(check: () => T | Promise<T>, ms = 5_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error('timed out')
    await Bun.sleep(10)
  }
}
const row = async (id: string) => (await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, id)))[0]
const verified = (a: Fake, c: SignedCommand) => { const { signature, ...rest } = c; return signatureValid(publicKeyFromRaw(a.publicKey), commandSigningText(rest), signature) }

beforeAll(async () => {
  s = await startTestServer()
  const admin = await setupAdmin(s.ctx)
  const org = await makeOrg(s.ctx, admin.partnerId, 'Org')
  await makeSite(s.ctx, org.id, 'HQ')
  const c = s.client()
  await c.login(admin.email, testPassword)
  key = (await c.post('/api/v1/enrollment-keys', { orgId: org.id, name: 'k' })).json.key
})
afterAll(() => s.stop())

describe('command queue', () => {
  test('over the socket: prepared and signed at dispatch, output in order, result, command.completed', async () => {
    const a = await enroll()
    const agent = await connect(a)
    const completed: any[] = []
    s.ctx.events.on('command.completed', (e) => { completed.push(e) })
    const cmd = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: { sealed: 'x1' }, sourceType: 'test', sourceId: 'run-1', createdBy: 'someone' })
    expect(cmd.status).toBe('sent')
    expect(cmd.payload).toEqual({ sealed: 'x1' })
    const msg = await until(() => agent.inbox.find((m) => m.type === 'command'))
    const signed = msg.command as SignedCommand
    expect(verified(a, signed)).toBe(true)
    expect(JSON.parse(signed.payload)).toEqual({ sealed: 'x1', secret: 'unsealed:x1' })
    expect(signed).toMatchObject({ id: cmd.id, deviceId: a.deviceId, agentId: a.agentId, type: 'test.echo', expiresAt: cmd.expiresAt })
    agent.send({ type: 'command.ack', id: cmd.id })
    await until(async () => (await row(cmd.id)).status === 'running')
    for (let i = 0; i < 3; i++) agent.send({ type: 'command.output', id: cmd.id, seq: i, stream: i === 1 ? 'stderr' : 'stdout', data: `line ${i}\n` })
    agent.send({ type: 'command.result', id: cmd.id, status: 'completed', result: { exitCode: 0 } })
    const done = await until(async () => { const r = await row(cmd.id); return r.status === 'completed' ? r : null })
    expect(done.result).toEqual({ exitCode: 0 })
    expect(seen.output.map((o) => [o.seq, o.stream, o.data])).toEqual([[0, 'stdout', 'line 0\n'], [1, 'stderr', 'line 1\n'], [2, 'stdout', 'line 2\n']])
    expect(seen.results.find((r) => r.id === cmd.id)?.outcome).toEqual({ status: 'completed', result: { exitCode: 0 }, error: null })
    await s.ctx.events.settle()
    expect(completed).toContainEqual(expect.objectContaining({ commandId: cmd.id, type: 'test.echo', status: 'completed', sourceType: 'test', sourceId: 'run-1' }))
    // A late duplicate result changes nothing.
    agent.send({ type: 'command.result', id: cmd.id, status: 'failed', error: 'late' })
    await Bun.sleep(100)
    expect((await row(cmd.id)).status).toBe('completed')
    agent.ws.close()
  })

  test('with the socket down: pending until the next heartbeat answer; results posted over HTTP', async () => {
    const a = await enroll()
    const cmd = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: { sealed: 'x2' } })
    expect(cmd.status).toBe('pending')
    const hb = await fetch(`${s.url}/api/v1/agents/${a.agentId}/heartbeat`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: a.auth },
      body: JSON.stringify({ agentVersion: '0.1.0', hardwareId: a.hardwareId, collectedAt: Date.now(), uptimeSeconds: 1, lastUser: null, loggedInUsers: [], pendingReboot: false, metrics: { cpuPercent: 1, ramPercent: 1, ramUsedMb: 1, diskPercent: 1, diskUsedGb: 1, volumes: {}, netInBytes: 0, netOutBytes: 0, processCount: 1 } }),
    }).then((r) => r.json()) as any
    expect(hb.commands.map((c: SignedCommand) => c.id)).toEqual([cmd.id])
    expect(verified(a, hb.commands[0])).toBe(true)
    expect((await row(cmd.id)).status).toBe('sent')
    const post = (messages: unknown[]) => fetch(`${s.url}/api/v1/agents/${a.agentId}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: a.auth }, body: JSON.stringify({ messages }) })
    expect((await post([{ type: 'command.ack', id: cmd.id }, { type: 'command.output', id: cmd.id, seq: 0, stream: 'stdout', data: 'via http' }, { type: 'command.result', id: cmd.id, status: 'failed', result: null, error: 'exit 2' }])).status).toBe(200)
    expect(await row(cmd.id)).toMatchObject({ status: 'failed', error: 'exit 2' })
    expect(seen.output.at(-1)).toEqual({ seq: 0, stream: 'stdout', data: 'via http' })
  })

  test('cancel: pending ends at once; running is told to stop over the socket', async () => {
    const a = await enroll()
    const pending = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: {} })
    expect((await cancelCommand(s.ctx, pending.id)).status).toBe('cancelled')
    const agent = await connect(a)
    expect(agent.inbox.some((m) => m.type === 'command' && m.command.id === pending.id)).toBe(false)
    const running = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: {} })
    agent.send({ type: 'command.ack', id: running.id })
    await until(async () => (await row(running.id)).status === 'running')
    await cancelCommand(s.ctx, running.id)
    await until(() => agent.inbox.find((m) => m.type === 'command.cancel' && m.id === running.id))
    expect((await row(running.id)).status).toBe('cancelled')
    expect(seen.results.find((r) => r.id === running.id)?.outcome.status).toBe('cancelled')
    agent.ws.close()
  })

  test('queued commands are delivered on reconnect; undelivered ones expire; silent ones time out', async () => {
    const a = await enroll()
    const queued = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: {} })
    const agent = await connect(a)
    await until(() => agent.inbox.find((m) => m.type === 'command' && m.command.id === queued.id))
    agent.ws.close()
    await until(() => !s.ctx.agents.isConnected(a.deviceId))
    const expiring = await queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: {}, expiresAt: s.clock.now() + 60_000 })
    s.clock.advance(61_000)
    await s.ctx.db.update(t.agentCommands).set({ timeoutMs: 30_000 }).where(eq(t.agentCommands.id, queued.id))
    await sweepCommands(s.ctx)
    expect((await row(expiring.id)).status).toBe('expired')
    expect((await row(queued.id)).status).toBe('timeout')
    expect(seen.results.filter((r) => [expiring.id, queued.id].includes(r.id)).map((r) => r.outcome.status).sort()).toEqual(['expired', 'timeout'])
  })

  test('unknown types and decommissioned devices are refused', async () => {
    const a = await enroll()
    await expect(queueCommand(s.ctx, { deviceId: a.deviceId, type: 'no.such', payload: {} })).rejects.toThrow('unknown command type')
    await s.ctx.db.update(t.devices).set({ status: 'decommissioned' }).where(eq(t.devices.id, a.deviceId))
    await expect(queueCommand(s.ctx, { deviceId: a.deviceId, type: 'test.echo', payload: {} })).rejects.toThrow('device not found')
  })
})
