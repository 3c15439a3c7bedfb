// The server as a separate process (`bun src/main.ts serve`), for tests of what only a real
// process shows: signals, kill -9, exit codes, a full disk. Data is prepared in-process first
// (prepareData) through the same createContext the server uses.
import path from 'node:path'
import type { Subprocess } from 'bun'
import { loadConfig } from '../config'
import type { AppContext } from '../context'
import { createLogger } from '../lib/log'
import { createContext } from '../server'

const root = path.join(import.meta.dir, '..', '..')

export type ServerProcess = {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  url: string
  /** Everything the server wrote to stderr so far (JSON log lines). */
  logs(): string
  /** Resolves with the exit code (or 128 + signal number). */
  exited: Promise<number>
}

/** prepareData opens the data directory (and database) as the server would, runs fn, and closes it. */
export async function prepareData<T>(dataDir: string, databaseUrl: string, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext(loadConfig({ 'data-dir': dataDir, 'database-url': databaseUrl || undefined }, { BREEZE_LOG_LEVEL: 'error' }), { log: createLogger('error') })
  try {
    return await fn(ctx)
  } finally {
    await ctx.database.close()
  }
}

/**
 * spawnServer starts `breeze serve` on a random port and waits until it listens. `prefix`
 * runs it through another command (unshare, for a private tmpfs).
 */
export async function spawnServer(opts: { dataDir: string; databaseUrl?: string; env?: Record<string, string>; args?: string[]; prefix?: string[] }): Promise<ServerProcess> {
  const cmd = [...(opts.prefix ?? []), process.execPath, path.join(root, 'src/main.ts'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', opts.dataDir, ...(opts.args ?? [])]
  const proc = Bun.spawn(cmd, {
    cwd: root, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
    env: { ...process.env, BREEZE_LOG_LEVEL: 'info', DATABASE_URL: opts.databaseUrl ?? '', ...opts.env },
  })
  let text = ''
  let url: string | null = null
  const started = Promise.withResolvers<string>()
  void (async () => {
    const decoder = new TextDecoder()
    const reader = proc.stderr.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (!url) {
        const m = /"msg":"breeze started".*?"url":"([^"]+)"/.exec(text)
        if (m) started.resolve(url = m[1])
      }
    }
  })()
  const exited = proc.exited.then((code) => code ?? 128 + (proc.signalCode === 'SIGKILL' ? 9 : 15))
  const timer = setTimeout(() => started.reject(new Error(`the server did not start in 30 s:\n${text}`)), 30_000)
  void exited.then((code) => started.reject(new Error(`the server exited with ${code} before it started:\n${text}`)))
  try {
    await started.promise
  } finally {
    clearTimeout(timer)
  }
  return { proc, url: url!, logs: () => text, exited }
}

/** waitFor polls `check` until it returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, ms = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}
