// One transaction per state change (issue 11, item 17). A fault injected between a command's
// end and its consequences (a trigger that fails the second write, as a crash between two
// commits would) leaves nothing half-applied; a retried result then applies everything once.
// What an older version left half-applied (a completed command, its execution still
// running) is repaired by a retried result and by the sweep at start. A change whose audit
// row cannot be written does not happen.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, sql } from 'drizzle-orm'
import { runSql } from '../db/raw'
import { t } from '../db/tables'
import { waitFor } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { enrollProtocolAgent, type ProtocolAgent } from '../testing/protocol-agent'
import { freshPostgresDatabase, startTestServer, usingPostgres, type TestServer } from '../testing/server'

let s: TestServer
let admin: TestClient
let agent: ProtocolAgent
let orgId: string
let scriptId: string
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bz-half-'))
let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | null = null

async function start() {
  s = await startTestServer({ runningClock: true, dataDir, databaseUrl: pg?.url })
  admin = s.client()
  await admin.login('admin@example.com', testPassword)
}

beforeAll(async () => {
  pg = usingPostgres ? await freshPostgresDatabase() : null
  await start()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  await admin.login(a.email, testPassword)
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'k' })).json.key
  agent = await enrollProtocolAgent(s, key)
  await agent.connect()
  scriptId = (await admin.post('/api/v1/scripts', { name: 'Echo', description: '', category: 'Test', tags: [], osTypes: ['linux'], language: 'bash', orgId, content: 'echo hi', parameters: [] })).json.id
  // An automation that runs once per finished execution of the script (a consequence of the result).
  const auto = await admin.post('/api/v1/automations', { orgId, name: 'after echo', trigger: { type: 'event', event: 'script.completed', scriptId }, actions: [{ id: 't', type: 'update_device', addTags: ['echoed'], target: { triggerDevice: true } }] })
  expect(auto.status).toBe(201)
})
afterAll(async () => {
  agent?.close()
  await s.stop()
  await pg?.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** run starts the script on the agent's device; the agent acknowledges; returns the ids. */
async function run(): Promise<{ executionId: string; commandId: string }> {
  const seen = new Set(agent.inbox.filter((m) => m.type === 'command').map((m) => (m as { command: { id: string } }).command.id))
  const res = await admin.post(`/api/v1/scripts/${scriptId}/execute`, { deviceIds: [agent.deviceId] })
  expect(res.status).toBe(201)
  const command = await waitFor(() => agent.inbox.map((m) => (m.type === 'command' ? m.command : null)).find((c) => c && !seen.has(c.id)), 10_000, 'the command')
  agent.send({ type: 'command.ack', id: command.id })
  const executionId = res.json.executions[0].id as string
  await waitFor(async () => (await state(executionId, command.id)).execution === 'running', 10_000, 'the execution to run')
  return { executionId, commandId: command.id }
}

const result = (id: string, exitCode: number) => ({ type: 'command.result', id, status: exitCode === 0 ? 'completed' : 'failed', result: { exitCode, durationMs: 5, outputBytes: 0, truncated: false }, error: exitCode === 0 ? null : `exit code ${exitCode}` })

async function state(executionId: string, commandId: string) {
  const [e] = await s.ctx.db.select().from(t.scriptExecutions).where(eq(t.scriptExecutions.id, executionId))
  const [c] = await s.ctx.db.select().from(t.agentCommands).where(eq(t.agentCommands.id, commandId))
  return { execution: e.status, exitCode: e.exitCode, command: c.status }
}

const automationRuns = async (executionId: string) =>
  (await s.ctx.db.select({ id: t.automationRuns.id }).from(t.automationRuns).where(eq(t.automationRuns.triggerKey, `script:${executionId}`))).length

/** fault makes every write matching `when` on `table` fail (a trigger), until the returned function removes it. */
async function fault(table: string, event: 'UPDATE' | 'INSERT', when: string): Promise<() => Promise<void>> {
  const name = `bz_fault_${table}`
  if (s.ctx.database.dialect === 'pg') {
    await runSql(s.ctx.database, sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`))
    await runSql(s.ctx.database, sql.raw(`CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`))
    return async () => { await runSql(s.ctx.database, sql.raw(`DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}()`)) }
  }
  await runSql(s.ctx.database, sql.raw(`CREATE TRIGGER ${name} BEFORE ${event} ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`))
  return async () => { await runSql(s.ctx.database, sql.raw(`DROP TRIGGER ${name}`)) }
}

describe('a command result and its consequences', () => {
  test('a failure between the command\'s end and its execution\'s leaves neither; the retried result applies both, once', async () => {
    const { executionId, commandId } = await run()
    const heal = await fault('script_executions', 'UPDATE', "NEW.status = 'completed'")
    try {
      await agent.post([result(commandId, 0)])
      // note: before, the command ended in its own commit: completed, with its execution running forever.
      expect(await state(executionId, commandId)).toEqual({ execution: 'running', exitCode: null, command: 'running' })
    } finally {
      await heal()
    }
    agent.send(result(commandId, 0))
    await waitFor(async () => (await state(executionId, commandId)).execution === 'completed', 10_000, 'the retried result')
    expect(await state(executionId, commandId)).toEqual({ execution: 'completed', exitCode: 0, command: 'completed' })
    await waitFor(async () => (await automationRuns(executionId)) > 0, 10_000, 'the automation')
    agent.send(result(commandId, 0))
    await Bun.sleep(300)
    await s.ctx.events.settle()
    expect(await automationRuns(executionId)).toBe(1)
  })

  test('a result sent again for a command an older version left half-applied repairs it with the stored outcome', async () => {
    const { executionId, commandId } = await run()
    // What a crash between the two commits of an older version left behind.
    await s.ctx.db.update(t.agentCommands).set({ status: 'failed', completedAt: s.clock.now(), result: { exitCode: 3, durationMs: 5, outputBytes: 0, truncated: false }, error: 'exit code 3' }).where(eq(t.agentCommands.id, commandId))
    agent.send(result(commandId, 0))
    await waitFor(async () => (await state(executionId, commandId)).execution !== 'running', 10_000, 'the repair')
    // The outcome that was stored first stands (the agent may have run it again since).
    expect(await state(executionId, commandId)).toEqual({ execution: 'failed', exitCode: 3, command: 'failed' })
    await waitFor(async () => (await automationRuns(executionId)) === 1, 10_000, 'the automation the lost event owed')
  })

  test('the sweep at start finishes executions whose command ended, from the command\'s stored result', async () => {
    const runs = [await run(), await run()]
    for (const [i, r] of runs.entries()) {
      await s.ctx.db.update(t.agentCommands).set({ status: 'completed', completedAt: s.clock.now(), result: { exitCode: 0, durationMs: 5 + i, outputBytes: 0, truncated: false }, error: null }).where(eq(t.agentCommands.id, r.commandId))
    }
    agent.close()
    await s.stop()
    await start()
    for (const r of runs) expect(await state(r.executionId, r.commandId)).toEqual({ execution: 'completed', exitCode: 0, command: 'completed' })
    for (const r of runs) await waitFor(async () => (await automationRuns(r.executionId)) === 1, 10_000, 'the automations after the repair')
  })
})

describe('a change and its audit row', () => {
  test('a ticket whose audit row cannot be written is not created', async () => {
    const count = async () => (await s.ctx.db.select({ id: t.tickets.id }).from(t.tickets).where(eq(t.tickets.orgId, orgId))).length
    const before = await count()
    const heal = await fault('audit_logs', 'INSERT', "NEW.action = 'ticket.create'")
    try {
      const res = await admin.post('/api/v1/tickets', { orgId, title: 'Printer on fire' })
      expect(res.status).toBe(500)
      // note: before, the ticket committed first and its audit row after: a ticket without one.
      expect(await count()).toBe(before)
    } finally {
      await heal()
    }
    const res = await admin.post('/api/v1/tickets', { orgId, title: 'Printer on fire' })
    expect(res.status).toBe(201)
    const audit = await s.ctx.db.select().from(t.auditLogs).where(and(eq(t.auditLogs.action, 'ticket.create'), eq(t.auditLogs.resourceId, res.json.id)))
    expect(audit.length).toBe(1)
  })

  test('recordAudit refuses to run outside a transaction', async () => {
    const { recordAudit, systemActor } = await import('../audit/service')
    // @ts-expect-error the type asks for the change's transaction (TxContext); this is what it catches at compile time
    const outside = recordAudit(s.ctx, systemActor, { action: 'test.outside' })
    await expect(outside).rejects.toThrow('outside a transaction')
  })
})
