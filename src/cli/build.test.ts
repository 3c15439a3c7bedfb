// `npm run build` makes a server binary that runs from any folder with only a data directory
// (migrations, pages and static files embedded), and agent builds it serves.
import { afterAll, expect, test } from 'bun:test'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.join(import.meta.dir, '..', '..')
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-build-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

test('the compiled server starts from another folder and serves pages, assets and the agent', async () => {
  // note: the agents go next to the copied server, not into the checkout's dist/agents, where
  // every later test server (and the PostgreSQL run after this one) would find them.
  const build = Bun.spawnSync(['bun', 'run', 'build', '--out', path.join(work, 'agents')], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
  expect(build.exitCode).toBe(0)
  const exe = path.join(work, 'breeze')
  copyFileSync(path.join(root, 'dist', 'breeze'), exe)

  const version = Bun.spawnSync([exe, 'version'], { cwd: work, stdout: 'pipe' })
  expect(version.stdout.toString()).toMatch(/\d+\.\d+\.\d+/)

  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const server = Bun.spawn([exe, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', path.join(work, 'data')], {
    cwd: work, env: { PATH: process.env.PATH ?? '', BREEZE_LOG_LEVEL: 'error' }, stdout: 'ignore', stderr: 'pipe',
  })
  try {
    const base = `http://127.0.0.1:${port}`
    let health: Response | null = null
    for (let i = 0; i < 100 && !health; i++) {
      health = await fetch(`${base}/healthz`).catch(() => null)
      if (!health) await Bun.sleep(100)
    }
    expect(health?.status).toBe(200)
    const login = await fetch(`${base}/login`)
    expect(login.status).toBe(200)
    const html = await login.text()
    const css = html.match(/href="(\/static\/app\.[0-9a-f]+\.css)"/)?.[1]
    expect(css).toBeTruthy()
    expect((await fetch(`${base}${css}`)).status).toBe(200)
    const agent = await fetch(`${base}/agents/linux-x64`)
    expect(agent.status).toBe(200)
    expect(Number(agent.headers.get('content-length'))).toBeGreaterThan(10_000_000)
    await agent.body?.cancel()
  } finally {
    server.kill('SIGTERM')
    await server.exited
  }
}, 180_000)

test('npm start first builds the agent for this machine, once: later starts find it up to date', async () => {
  const pkg = JSON.parse(await Bun.file(path.join(root, 'package.json')).text())
  expect(pkg.scripts.prestart).toBe('bun scripts/build.ts --agents host --if-stale')
  const out = path.join(work, 'host-agents')
  const build = () => Bun.spawnSync(['bun', 'scripts/build.ts', '--agents', 'host', '--if-stale', '--out', out], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
  const first = build()
  expect(first.exitCode).toBe(0)
  const platform = `${process.platform}-${process.arch}`
  expect(first.stdout.toString()).toContain(`built `)
  const manifest = JSON.parse(await Bun.file(path.join(out, 'manifest.json')).text())
  expect(manifest[platform]).toMatchObject({ version: pkg.version, size: expect.any(Number), source: expect.any(String) })
  const started = performance.now()
  const second = build()
  expect(second.stdout.toString()).toContain(`agent for ${platform} is up to date`)
  expect(performance.now() - started).toBeLessThan(5_000)
}, 120_000)
