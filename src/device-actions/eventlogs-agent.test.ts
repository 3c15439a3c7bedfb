// Event logs read live by the compiled agent. This machine runs no journald and no syslog
// daemon, so the test gives the agent both, honestly: a real systemd-journald started in a
// private mount namespace (tmpfs over /run and /var/log/journal: nothing of the machine's own
// changes) that the agent runs in, a line written into it with `logger`; and a syslog file the
// agent is configured to read (`syslogFiles` in its config.json), with lines as rsyslog writes
// them. Then: filters, paging with cursors, CSV export, the tab's fragment escaping what the log
// says, and who may read (viewer 403, other tenant 404, 401, 400 naming the field).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, linkSync, mkdtempSync, readFileSync, writeFileSync, appendFileSync, chmodSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq } from 'drizzle-orm'
import { t } from '../db/tables'
import { agentBinary, startConnectedAgent, stopTestAgents, waitFor, type TestAgent } from '../testing/agent'
import type { TestClient } from '../testing/client'
import { makeDevice } from '../testing/devices'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { launchBrowser, signedInPage } from '../testing/browser'

let s: TestServer
let admin: TestClient
let agent: TestAgent
let deviceId: string
let syslogFile: string
let orgA: string
let siteA: string
const journald = '/lib/systemd/systemd-journald'
// A private mount namespace needs root and util-linux's unshare/nsenter.
const canNamespace = process.getuid?.() === 0 && existsSync(journald) && !!Bun.which('unshare') && !!Bun.which('nsenter') && !!Bun.which('logger')

/** The agent's launcher: `run` starts journald and the agent in a private mount namespace; anything else (enroll) runs the agent as is. */
function namespaceLauncher(dir: string, exe: string): string {
  const file = path.join(dir, 'agent-in-namespace.sh')
  writeFileSync(file, `#!/bin/sh
[ "$1" = run ] || exec "${exe}" "$@"
exec unshare -m --propagation private sh -c '
  mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && mount -t tmpfs tmpfs /var/log/journal || exit 1
  ${journald} & JPID=$!
  echo $JPID > "${dir}/journald.pid"
  for i in $(seq 1 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
  "${exe}" run & APID=$!
  trap "kill -TERM $APID 2>/dev/null" TERM INT
  wait $APID; wait $APID
  kill $JPID 2>/dev/null
'
`)
  chmodSync(file, 0o755)
  return file
}

const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00')

beforeAll(async () => {
  await agentBinary()
  s = await startTestServer({ runningClock: true })
  const a = await setupAdmin(s.ctx)
  orgA = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  const orgB = (await makeOrg(s.ctx, a.partnerId, 'Other')).id
  siteA = (await makeSite(s.ctx, orgA, 'HQ')).id
  await makeSite(s.ctx, orgB, 'B HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  await makeUser(s.ctx, 'viewer@a.example', 'org_viewer', { orgId: orgA })
  await makeUser(s.ctx, 'tech@a.example', 'org_technician', { orgId: orgA })
  await makeUser(s.ctx, 'tech@b.example', 'org_technician', { orgId: orgB })

  const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-eventlog-'))
  syslogFile = path.join(dir, 'syslog')
  const now = Date.now()
  // Twelve lines in one second (paging must neither lose nor repeat any), then one hostile line.
  writeFileSync(syslogFile, Array.from({ length: 12 }, (_, i) => `${stamp(now - 60_000)} testhost batchjob[77]: step ${String(i + 1).padStart(2, '0')} done\n`).join('')
    + `${stamp(now - 30_000)} testhost webapp[88]: <img src=x onerror=alert(1)> login failed for "bob"\n`)
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ syslogFiles: [syslogFile] }))
  const exe = path.join(dir, 'breeze-agent')
  linkSync(await agentBinary(), exe)
  ;({ agent, deviceId } = await startConnectedAgent(s, admin, orgA, { configDir: dir, exe: canNamespace ? namespaceLauncher(dir, exe) : exe }))
}, 120_000)

afterAll(async () => {
  const pidFile = path.join(agent?.configDir ?? '/nonexistent', 'journald.pid')
  const journaldPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0
  await stopTestAgents()
  // The launcher stops journald when the agent ends; if it was killed instead, end journald here (by its pid).
  if (journaldPid) try { process.kill(journaldPid, 'SIGTERM') } catch {}
  await s.stop()
}, 30_000)

const entries = (res: { json: { entries: { message: string }[] } }) => res.json.entries.map((e) => e.message)

describe('event logs on the compiled agent', () => {
  test.skipIf(!canNamespace)('journald: a line written with logger is found by text, source and level', async () => {
    const agentPid = agent.pid()!
    const marker = `breeze-eventlog-${Date.now()}`
    const logger = Bun.spawnSync(['nsenter', '-t', String(agentPid), '-m', 'logger', '-u', '/run/systemd/journal/dev-log', '-t', 'breeze-test', '-p', 'user.err', `${marker} disk is <full> & "hot"`])
    expect(logger.exitCode).toBe(0)
    const found = await waitFor(async () => {
      const r = await admin.get(`/api/v1/devices/${deviceId}/event-logs?q=${marker}`)
      return r.status === 200 && r.json.entries.length ? r : null
    }, 20_000, 'the logger line in the journal')
    expect(found.json.log).toBe('journal')
    expect(found.json.logs).toEqual(['journal', 'syslog'])
    expect(found.json.entries[0]).toMatchObject({ source: 'breeze-test', level: 'error', message: `${marker} disk is <full> & "hot"` })
    expect(Math.abs(found.json.entries[0].time - Date.now())).toBeLessThan(60_000)
    expect(entries(await admin.get(`/api/v1/devices/${deviceId}/event-logs?source=breeze-test&level=error`))).toContain(`${marker} disk is <full> & "hot"`)
    expect(entries(await admin.get(`/api/v1/devices/${deviceId}/event-logs?source=breeze-test&level=critical`))).not.toContain(`${marker} disk is <full> & "hot"`)
    expect(entries(await admin.get(`/api/v1/devices/${deviceId}/event-logs?q=${marker}&until=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`))).toEqual([])

    // The tab's fragment shows it, escaped.
    const html = await admin.get(`/devices/${deviceId}/event-logs/list?q=${marker}`)
    expect(html.text).toContain(`${marker} disk is &lt;full&gt; &amp; &quot;hot&quot;`)
  })

  test('syslog file (the fallback without journald): every line once across pages, text filter, CSV export', async () => {
    const log = 'syslog'
    const first = await admin.get(`/api/v1/devices/${deviceId}/event-logs?log=${log}&source=batchjob&limit=5`)
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({ log: 'syslog', partial: false })
    const seen = [...entries(first)]
    let cursor = first.json.nextCursor
    while (cursor) {
      const next = await admin.get(`/api/v1/devices/${deviceId}/event-logs?log=${log}&source=batchjob&limit=5&cursor=${cursor}`)
      seen.push(...entries(next))
      cursor = next.json.nextCursor
    }
    // Newest first; within one second, the later line first.
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `step ${String(12 - i).padStart(2, '0')} done`))

    const hostile = await admin.get(`/api/v1/devices/${deviceId}/event-logs?log=${log}&q=LOGIN%20FAILED`)
    expect(hostile.json.entries).toEqual([{ time: expect.any(Number), level: null, source: 'webapp', eventId: null, message: '<img src=x onerror=alert(1)> login failed for "bob"' }])
    // Plain syslog lines carry no level: a warning filter hides them.
    expect(entries(await admin.get(`/api/v1/devices/${deviceId}/event-logs?log=${log}&level=warning`))).toEqual([])
    const html = await admin.get(`/devices/${deviceId}/event-logs/list?log=${log}&q=login`)
    expect(html.text).toContain('&lt;img src=x onerror=alert(1)&gt; login failed')
    expect(html.text).not.toContain('<img src=x')

    appendFileSync(syslogFile, `${stamp(Date.now())} testhost webapp[88]: =cmd|' /C calc'!A0\n`)
    const csv = await fetch(`${s.url}/api/v1/devices/${deviceId}/event-logs/export?log=${log}&source=webapp`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toContain('attachment; filename="event-log-')
    const rows = (await csv.text()).trim().split(/\r?\n/)
    expect(rows[0]).toBe('time,level,source,event_id,message')
    // Newest first; a cell that would start a spreadsheet formula is defused.
    expect(rows[1]).toContain(",,webapp,,")
    expect(rows[1]).toContain("'=cmd")
    expect(rows[2]).toContain('<img src=x onerror=alert(1)> login failed for ""bob""')
    expect(rows).toHaveLength(3)
  })

  test('who may read: viewer 403, another tenant 404, nobody 401; bad input 400 naming the field; audited', async () => {
    const viewer = s.client()
    await viewer.login('viewer@a.example', testPassword)
    const tech = s.client()
    await tech.login('tech@a.example', testPassword)
    const other = s.client()
    await other.login('tech@b.example', testPassword)
    for (const url of [`/api/v1/devices/${deviceId}/event-logs`, `/api/v1/devices/${deviceId}/event-logs/export`, `/devices/${deviceId}/event-logs`, `/devices/${deviceId}/event-logs/list`]) {
      expect((await s.client().get(url)).status, url).toBe(url.startsWith('/api') ? 401 : 303)
      expect((await viewer.get(url)).status, url).toBe(403)
      expect((await other.get(url)).status, url).toBe(404)
    }
    expect((await tech.get(`/api/v1/devices/${deviceId}/event-logs?log=syslog`)).status).toBe(200)
    expect((await tech.get(`/devices/${deviceId}/event-logs`)).status).toBe(200)

    for (const [query, field] of [['level=loud', 'level'], ['since=yesterday', 'since'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['cursor=abc', 'cursor'], ['log=%3Bls', 'log'], ['until=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z', 'until']]) {
      const res = await tech.get(`/api/v1/devices/${deviceId}/event-logs?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.text, query).toContain(field)
    }
    const offline = await makeDevice(s.ctx, { orgId: orgA, siteId: siteA, osType: 'linux', status: 'offline' })
    expect((await tech.get(`/api/v1/devices/${offline.id}/event-logs`)).status).toBe(409)
    // The offline device's tab says so in place of the table.
    expect((await tech.get(`/devices/${offline.id}/event-logs/list`)).text).toContain('not connected')

    const audited = await s.ctx.db.select().from(t.auditLogs).where(and(eq(t.auditLogs.resourceId, deviceId), eq(t.auditLogs.action, 'device.eventlog_query')))
    expect(audited.some((r) => (r.details as { log?: string }).log === 'syslog' && r.actorEmail === 'tech@a.example')).toBe(true)
    expect((await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'device.eventlog_export'))).length).toBeGreaterThan(0)
  })

  test('Chromium: the Event log tab filters by log, source and text, shows hostile text as text, exports what it shows', async () => {
    const browser = await launchBrowser()
    try {
      const errors: string[] = []
      const { page } = await signedInPage(browser, s.url, admin.cookies, errors)
      await page.goto(`${s.url}/devices/${deviceId}`)
      await page.getByRole('link', { name: 'Event log' }).click()
      await page.waitForURL(`**/devices/${deviceId}/event-logs`)
      await page.locator('#el-log').selectOption('syslog')
      await page.locator('#el-limit').selectOption('50')
      await page.locator('#el-source').fill('batchjob')
      // Only the batch job's twelve lines once the source filter has been applied.
      await page.waitForFunction(() => document.querySelectorAll('#event-log-table tbody tr').length === 12 && document.querySelector('#event-log-table')!.textContent!.includes('step 01 done'), undefined, { timeout: 20_000 })
      await page.locator('#el-source').fill('')
      await page.locator('#el-q').fill('login failed')
      await page.locator('#event-log-table td.event-message', { hasText: 'login failed' }).first().waitFor({ timeout: 20_000 })
      expect(await page.locator('#event-log-table img').count()).toBe(0)
      expect(await page.locator('#event-log-table td.event-message').first().textContent()).toContain('<img src=x onerror=alert(1)>')
      expect(await page.locator('a', { hasText: 'Export CSV' }).getAttribute('href')).toContain('q=login+failed')
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
