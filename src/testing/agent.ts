// The compiled agent for tests: built once per source state into a cache directory (so a
// test run compiles it at most once, and not at all when nothing under agent/ or
// src/protocol changed), then enrolled and run for real against a test server, each with
// its own config directory. stopTestAgents() ends every agent a test file started.
import { createHash } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Glob, type Subprocess } from 'bun'
import type { TestClient } from './client'
import type { TestServer } from './server'

const root = path.join(import.meta.dir, '..', '..')
const cacheDir = path.join(os.tmpdir(), 'breeze-agent-cache')

function sourceHash(extra: string): string {
  const h = createHash('sha256').update(extra)
  for (const pattern of ['agent/**/*.ts', 'src/protocol/**/*.ts', 'src/lib/**/*.ts', 'package.json']) {
    for (const f of [...new Glob(pattern).scanSync(root)].sort()) if (!f.endsWith('.test.ts')) h.update(f).update(readFileSync(path.join(root, f)))
  }
  return h.digest('hex').slice(0, 16)
}

const builds = new Map<string, Promise<string>>()

/** agentBinary compiles agent/main.ts (with an optional version) unless the cache has it. */
export function agentBinary(opts: { version?: string } = {}): Promise<string> {
  const key = opts.version ?? ''
  let build = builds.get(key)
  if (!build) {
    build = (async () => {
      const out = path.join(cacheDir, `breeze-agent-${sourceHash(key)}${opts.version ? `-${opts.version}` : ''}`)
      if (existsSync(out)) return out
      mkdirSync(cacheDir, { recursive: true })
      const tmp = `${out}.tmp-${process.pid}`
      const define = opts.version ? ['--define', `BREEZE_AGENT_VERSION=${JSON.stringify(opts.version)}`] : []
      const proc = Bun.spawnSync(['bun', 'build', '--compile', '--minify', ...define, 'agent/main.ts', '--outfile', tmp], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
      if (proc.exitCode !== 0) throw new Error(`agent build failed: ${proc.stderr.toString()}`)
      renameSync(tmp, out)
      return out
    })()
    builds.set(key, build)
  }
  return build
}

export type TestAgent = {
  configDir: string
  exe: string
  /** Output of the running agent so far (its JSON log lines). */
  logs(): string
  /** Run a one-shot command (enroll, status…) with this agent's config dir. */
  cli(args: string[]): Promise<{ code: number; out: string }>
  start(): void
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>
  /** SIGKILL (a crash: nothing is cleaned up) and wait for exit. */
  kill(): Promise<number | null>
  identity(): { deviceId: string; agentId: string; secret: string; serverUrl: string }
  /** The pid the agent wrote to its config dir (after a self-update, the new process). */
  pid(): number | null
  readonly running: boolean
}

const started = new Set<TestAgent>()

export type TestAgentOptions = { hardwareId?: string; configDir?: string; exe?: string; env?: Record<string, string> }

/** createTestAgent prepares an agent with its own config directory (not enrolled, not running). */
export async function createTestAgent(opts: TestAgentOptions = {}): Promise<TestAgent> {
  const configDir = opts.configDir ?? mkdtempSync(path.join(os.tmpdir(), 'breeze-agent-cfg-'))
  // note: each agent runs its own hard link of the cached build, so a self-update (which
  // renames files around its executable) never touches the cache.
  let exe = opts.exe
  if (!exe) {
    mkdirSync(configDir, { recursive: true })
    exe = path.join(configDir, 'breeze-agent')
    if (!existsSync(exe)) linkSync(await agentBinary(), exe)
  }
  const env = { ...process.env, BREEZE_AGENT_CONFIG_DIR: configDir, BREEZE_AGENT_LOG_LEVEL: 'debug', ...(opts.hardwareId ? { BREEZE_AGENT_HARDWARE_ID: opts.hardwareId } : {}), ...opts.env }
  let proc: Subprocess<'ignore', 'pipe', 'pipe'> | null = null
  let output = ''
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      output += decoder.decode(value, { stream: true })
    }
  }
  const agent: TestAgent = {
    configDir, exe,
    logs: () => output,
    async cli(args) {
      const p = Bun.spawn([exe!, ...args], { env, stdout: 'pipe', stderr: 'pipe' })
      const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
      return { code: await p.exited, out: out + err }
    },
    start() {
      proc = Bun.spawn([exe!, 'run'], { env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
      void pump(proc.stdout)
      void pump(proc.stderr)
      started.add(agent)
    },
    async stop() {
      if (!proc) return null
      const p = proc
      proc = null
      p.kill('SIGTERM')
      const code = await Promise.race([p.exited, Bun.sleep(10_000).then(() => { p.kill('SIGKILL'); return p.exited })])
      return code
    },
    async kill() {
      if (!proc) return null
      const p = proc
      proc = null
      p.kill('SIGKILL')
      return p.exited
    },
    identity: () => JSON.parse(readFileSync(path.join(configDir, 'agent.json'), 'utf8')),
    pid: () => { try { return Number(readFileSync(path.join(configDir, 'agent.pid'), 'utf8')) || null } catch { return null } },
    get running() { return proc !== null && proc.exitCode === null },
  }
  return agent
}

/** startTestAgent enrolls an agent with `key` against `serverUrl` and starts it. */
export async function startTestAgent(serverUrl: string, key: string, opts: TestAgentOptions = {}): Promise<TestAgent> {
  const agent = await createTestAgent(opts)
  const res = await agent.cli(['enroll', '--server', serverUrl, '--key', key])
  if (res.code !== 0) throw new Error(`enroll failed (${res.code}): ${res.out}`)
  agent.start()
  return agent
}

/**
 * startConnectedAgent makes an enrollment key for `orgId` through the API as `admin`, enrolls
 * and starts an agent with it, and waits until its live socket is open.
 */
export async function startConnectedAgent(s: TestServer, admin: TestClient, orgId: string, opts: TestAgentOptions = {}): Promise<{ agent: TestAgent; deviceId: string }> {
  const key = (await admin.post('/api/v1/enrollment-keys', { orgId, name: 'test agent' })).json.key
  const agent = await startTestAgent(s.url, key, opts)
  const deviceId = agent.identity().deviceId
  await waitFor(() => s.ctx.agents.isConnected(deviceId), 30_000, 'agent socket')
  return { agent, deviceId }
}

/** stopTestAgents stops every agent started in this process and removes their config directories. */
export async function stopTestAgents() {
  for (const agent of started) {
    await agent.stop()
    // A self-updated agent runs on as another process: end it by the pid it recorded.
    const pid = agent.pid()
    if (pid) try { process.kill(pid, 'SIGTERM') } catch {}
    rmSync(agent.configDir, { recursive: true, force: true })
  }
  started.clear()
}

/** waitFor polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(100)
  }
}
