// Script output as the server takes it from an agent that misbehaves the ways a network makes
// agents misbehave: a chunk sent twice (socket and HTTP, or a retried post), chunks out of
// order, output before the acknowledgement, output after the result. The agent here speaks
// the protocol itself (src/testing/protocol-agent.ts) so each case is exact.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { t } from '../db/tables'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { startTestServer, type TestServer } from '../testing/server'
import { waitFor } from '../testing/agent'

let s: TestServer
let admin: TestClient
let agent: ProtocolAgent
let scriptId: string

beforeAll(async () => {
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  const orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key
  agent = await enrollProtocolAgent(s, key)
  await agent.connect()
  scriptId = (await admin.post('/api/v1/scripts', { name: 'Echo', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo hi', parameters: [] })).json.id
})
afterAll(async () => {
  agent?.close()
  await s.stop()
})

/** run starts the script on the agent's device and returns the execution and its command id. */
async function run(): Promise<{ executionId: string; commandId: string }> {
  const seen = new Set(agent.inbox.filter((m) => m.type === 'command').map((m) => (m as { command: { id: string } }).command.id))
  const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] })
  expect(res.status).toBe(201)
  const command = await waitFor(() => agent.inbox.map((m) => (m.type === 'command' ? m.command : null)).find((c) => c && !seen.has(c.id)), 10_000, 'the command')
  return { executionId: res.json.executions[0].id, commandId: command.id }
}

const execution = async (id: string) => (await admin.get(`/api/v1/executions/${id}`)).json
const chunk = (id: string, seq: number, data: string, stream: 'stdout' | 'stderr' = 'stdout') => ({ type: 'command.output', id, seq, stream, data })

describe('output chunks', () => {
  test('the first chunk moves a queued execution to running when the acknowledgement is lost', async () => {
    const { executionId, commandId } = await run()
    expect((await execution(executionId)).status).toBe('queued')
    agent.send(chunk(commandId, 0, 'first\n'))
    const running = await waitFor(async () => { const e = await execution(executionId); return e.stdout === 'first\n' ? e : null }, 10_000, 'the chunk')
    expect(running.status).toBe('running')
    expect(running.startedAt).toBeGreaterThan(0)
    const [command] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, commandId))
    expect(command.status).toBe('running')
    // The late acknowledgement changes nothing (compare-and-set: it is running already).
    agent.send({ type: 'command.ack', id: commandId })
    agent.send({ type: 'command.result', id: commandId, status: 'completed', result: { exitCode: 0, durationMs: 5, outputBytes: 6, truncated: false } })
    expect((await waitFor(async () => { const e = await execution(executionId); return e.status === 'completed' ? e : null })).stdout).toBe('first\n')
  })

  test('a resent chunk is stored once, whether it comes again on the socket or over HTTP; chunks out of order are all kept', async () => {
    const { executionId, commandId } = await run()
    agent.send({ type: 'command.ack', id: commandId })
    agent.send(chunk(commandId, 0, 'zero\n'))
    agent.send(chunk(commandId, 0, 'zero\n'))
    agent.send(chunk(commandId, 2, 'two\n'))
    agent.send(chunk(commandId, 1, 'one\n', 'stderr'))
    await waitFor(async () => (await execution(executionId)).outputBytes === 13, 10_000, 'three chunks')
    // The outbox posted over HTTP after a reconnect: everything again, plus one new chunk.
    expect((await agent.post([chunk(commandId, 0, 'zero\n'), chunk(commandId, 1, 'one\n', 'stderr'), chunk(commandId, 2, 'two\n'), chunk(commandId, 3, 'three\n'), chunk(commandId, 3, 'three\n')])).status).toBe(200)
    agent.send(chunk(commandId, 3, 'three\n'))
    agent.send({ type: 'command.result', id: commandId, status: 'completed', result: { exitCode: 0, durationMs: 5, outputBytes: 19, truncated: false } })
    const done = await waitFor(async () => { const e = await execution(executionId); return e.status === 'completed' ? e : null })
    expect(done).toMatchObject({ stdout: 'zero\ntwo\nthree\n', stderr: 'one\n', outputBytes: 19, truncated: false })
    // The ledger of chunk numbers is gone with the run.
    expect(await s.ctx.db.select().from(t.scriptOutputChunks).where(eq(t.scriptOutputChunks.executionId, executionId))).toEqual([])
  })

  test('past the inline part, the blob holds each chunk once too', async () => {
    const before = (await admin.get('/api/v1/settings')).json.scripts
    expect((await admin.put('/api/v1/settings/scripts', { inlineKiB: 16, maxMiB: 1 })).status).toBe(200)
    try {
      const { executionId, commandId } = await run()
      agent.send({ type: 'command.ack', id: commandId })
      const pieces = Array.from({ length: 6 }, (_, i) => `${String(i).repeat(8 * 1024 - 1)}\n`)
      for (let i = 0; i < pieces.length; i++) {
        agent.send(chunk(commandId, i, pieces[i]))
        if (i % 2 === 1) agent.send(chunk(commandId, i - 1, pieces[i - 1]))
      }
      expect((await agent.post(pieces.map((p, i) => chunk(commandId, i, p)))).status).toBe(200)
      agent.send({ type: 'command.result', id: commandId, status: 'completed', result: { exitCode: 0, durationMs: 5, outputBytes: 6 * 8192, truncated: false } })
      const done = await waitFor(async () => { const e = await execution(executionId); return e.status === 'completed' ? e : null })
      expect(done.outputBytes).toBe(6 * 8192)
      expect(done.stdout).toBe(pieces.join('').slice(0, 16 * 1024))
      const full = await admin.request('GET', `/api/v1/executions/${executionId}/output`)
      expect(full.text).toBe(pieces.join(''))
    } finally {
      await admin.put('/api/v1/settings/scripts', before)
    }
  })

  test('output after the result (a late resend, a new chunk) is refused; so is output after a cancel', async () => {
    const { executionId, commandId } = await run()
    agent.send({ type: 'command.ack', id: commandId })
    agent.send(chunk(commandId, 0, 'before\n'))
    agent.send({ type: 'command.result', id: commandId, status: 'completed', result: { exitCode: 0, durationMs: 5, outputBytes: 7, truncated: false } })
    await waitFor(async () => (await execution(executionId)).status === 'completed', 10_000, 'the result')
    // note: reports of one command are applied in arrival order, so once the post is answered
    // the socket's chunk (sent before it) has been handled too.
    agent.send(chunk(commandId, 1, 'after\n'))
    expect((await agent.post([chunk(commandId, 0, 'before\n'), chunk(commandId, 2, 'late\n')])).status).toBe(200)
    expect(await execution(executionId)).toMatchObject({ stdout: 'before\n', outputBytes: 7 })
    expect(await s.ctx.blobs.size(`script-output/${executionId.slice(0, 2)}/${executionId}.log`)).toBeNull()

    const cancelled = await run()
    agent.send({ type: 'command.ack', id: cancelled.commandId })
    agent.send(chunk(cancelled.commandId, 0, 'kept\n'))
    await waitFor(async () => (await execution(cancelled.executionId)).stdout === 'kept\n', 10_000, 'the first chunk')
    expect((await admin.post(`/api/v1/executions/${cancelled.executionId}/cancel`)).status).toBe(200)
    agent.send(chunk(cancelled.commandId, 1, 'after the cancel\n'))
    expect((await agent.post([chunk(cancelled.commandId, 2, 'posted after the cancel\n')])).status).toBe(200)
    expect(await execution(cancelled.executionId)).toMatchObject({ status: 'cancelled', stdout: 'kept\n' })
  })
})
