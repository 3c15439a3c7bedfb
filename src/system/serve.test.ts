// The server as a process: what `breeze serve` does with a port that is taken.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startTestServer, type TestServer } from '../testing/server'

const cleanups: (() => unknown)[] = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

test('a second server on a port already in use refuses to start, saying so, with a non-zero exit', async () => {
  const first: TestServer = await startTestServer()
  cleanups.push(() => first.stop())
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-port-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const proc = Bun.spawn(['bun', 'src/main.ts', 'serve', '--port', String(first.port), '--host', '127.0.0.1', '--data-dir', dir], {
    env: { ...process.env, BREEZE_LOG_LEVEL: 'error', DATABASE_URL: '' }, stdout: 'pipe', stderr: 'pipe',
  })
  // note: before the fix the second server started and served (both answered in turn); it never exited.
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000)
  const code = await proc.exited
  clearTimeout(timer)
  const err = await new Response(proc.stderr).text()
  expect(code).toBe(2)
  expect(err).toContain(`port ${first.port} on 127.0.0.1 is already in use`)
  expect(err).toContain('--port')
  // The first server is untouched.
  expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
}, 40_000)
