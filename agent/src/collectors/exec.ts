// Running a system tool for a collector or a live tool: output as text, never throwing (a
// missing tool means "no data from it"), with a timeout so a hung tool cannot stall the agent.
// note: Bun.spawn, not node:child_process: the agent runs tools every few seconds for as long
// as it lives (the service watch, the live process list), and node's spawn kept memory.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inheritedEnvironment } from '../../config'

type Env = Record<string, string | undefined>

function start(cmd: string, args: string[], stdout: 'pipe' | number, stderr: 'pipe' | 'ignore' | number, env?: Env) {
  try {
    return Bun.spawn([cmd, ...args], { stdin: 'ignore', stdout, stderr, windowsHide: true, env: env ? { ...inheritedEnvironment(), ...env } : undefined })
  } catch {
    return null
  }
}

/** runStatus runs a command and returns its exit code (null when it could not start or was killed at the timeout) and its output (stdout, then stderr). */
export async function runStatus(cmd: string, args: string[], timeoutMs = 60_000, env?: Env): Promise<{ code: number | null; out: string }> {
  const proc = start(cmd, args, 'pipe', 'pipe', env)
  if (!proc) return { code: null, out: '' }
  let killed = false
  const timer = setTimeout(() => { killed = true; proc.kill('SIGKILL') }, timeoutMs)
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited])
    return { code: killed ? null : code, out: out + err }
  } catch {
    return { code: null, out: '' }
  } finally {
    clearTimeout(timer)
  }
}

/** run returns a command's standard output (null when it could not start, timed out, or failed without output). */
export async function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string | null> {
  const proc = start(cmd, args, 'pipe', 'ignore')
  if (!proc) return null
  let killed = false
  const timer = setTimeout(() => { killed = true; proc.kill('SIGKILL') }, timeoutMs)
  try {
    const [out, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), proc.exited])
    if (killed) return null
    return code === 0 ? out : out || null
  } catch {
    return null
  } finally {
    clearTimeout(timer)
  }
}

/**
 * runDetached runs a command that may leave a process behind (an init script starting a daemon,
 * a shutdown scheduling itself): its output goes to a private temporary file instead of a pipe,
 * so a daemon that inherits it never blocks the agent or dies on a closed pipe, and the call
 * ends when the command itself exits. Returns the exit code (null: could not start, or killed
 * at the timeout) and the output (its last 64 KiB).
 */
export async function runDetached(cmd: string, args: string[], opts: { timeoutMs?: number; env?: Env } = {}): Promise<{ code: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'breeze-run-'))
  const file = join(dir, 'out')
  const fd = openSync(file, 'w', 0o600)
  try {
    const proc = start(cmd, args, fd, fd, opts.env)
    let code: number | null = null
    if (proc) {
      let killed = false
      const timer = setTimeout(() => { killed = true; proc.kill('SIGKILL') }, opts.timeoutMs ?? 120_000)
      code = await proc.exited
      clearTimeout(timer)
      if (killed) code = null
    }
    const out = readFileSync(file, 'utf8')
    return { code, out: out.length > 65_536 ? out.slice(-65_536) : out }
  } finally {
    try { closeSync(fd) } catch {}
    try { rmSync(dir, { recursive: true, force: true }) } catch {}
  }
}
