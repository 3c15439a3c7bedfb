// Runs one library script on this endpoint: writes it to a private temp file, starts the
// interpreter the language needs (a clear error when it is missing), passes parameters as
// environment variables (PowerShell: also as named parameters) so no value is ever spliced
// into the script text, streams output as it comes, and kills the whole process tree on
// timeout or cancel.
import { spawn, spawnSync } from 'node:child_process'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { inheritedEnvironment } from '../../config'

export type ScriptLanguage = 'bash' | 'sh' | 'powershell' | 'cmd' | 'python'

export type ScriptRunRequest = {
  language: ScriptLanguage
  content: string
  parameters: Record<string, string | number | boolean>
  timeoutSeconds: number
  runAs: 'system' | 'user'
  /** Output beyond this many bytes is not sent (the process still runs to the end). */
  maxOutputBytes: number
}

export type ScriptRunResult = {
  status: 'completed' | 'failed' | 'timeout' | 'cancelled'
  exitCode: number | null
  durationMs: number
  /** Output bytes the script produced, sent or not. */
  outputBytes: number
  truncated: boolean
  error?: string
}

/** output may return a promise: the server is not ready for more yet, and reading the script's output waits for it (its pipe fills and the script waits). */
export type ScriptIo = { output(stream: 'stdout' | 'stderr', data: string): void | Promise<void>; signal: AbortSignal }

const isWindows = process.platform === 'win32'

/** The interpreters each language may use, best first. */
const interpreters: Record<ScriptLanguage, { candidates: string[]; extension: string; args(file: string, params: ScriptRunRequest['parameters']): string[] }> = {
  bash: { candidates: ['bash'], extension: '.sh', args: (file) => [file] },
  sh: { candidates: ['sh', 'dash', 'bash'], extension: '.sh', args: (file) => [file] },
  python: { candidates: isWindows ? ['python', 'py', 'python3'] : ['python3', 'python'], extension: '.py', args: (file) => [file] },
  cmd: { candidates: isWindows ? ['cmd.exe'] : [], extension: '.cmd', args: (file) => ['/d', '/c', file] },
  powershell: {
    candidates: isWindows ? ['powershell.exe', 'pwsh.exe', 'pwsh'] : ['pwsh', 'powershell'],
    extension: '.ps1',
    args: (file, params) => ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', file, ...powershellArgs(params)],
  },
}

/** Named PowerShell parameters: `-Name value`; booleans become `-Name:$true` so switches work too. */
function powershellArgs(params: ScriptRunRequest['parameters']): string[] {
  return Object.entries(params).flatMap(([name, value]) => typeof value === 'boolean' ? [`-${name}:$${value}`] : [`-${name}`, String(value)])
}

/** findInterpreter returns the full path of the first interpreter present, or null. */
export function findInterpreter(language: ScriptLanguage): string | null {
  for (const name of interpreters[language].candidates) {
    const found = Bun.which(name)
    if (found) return found
  }
  return null
}

export async function runScript(req: ScriptRunRequest, io: ScriptIo): Promise<ScriptRunResult> {
  const started = performance.now()
  const failed = (error: string): ScriptRunResult => ({ status: 'failed', exitCode: null, durationMs: Math.round(performance.now() - started), outputBytes: 0, truncated: false, error })
  const spec = interpreters[req.language]
  const interpreter = findInterpreter(req.language)
  if (!interpreter) return failed(`${req.language} is not available on this device (looked for ${spec.candidates.join(', ') || 'nothing: it only runs on Windows'})`)
  const runAsUser = req.runAs === 'user' ? loggedInUser() : null
  if (req.runAs === 'user' && !runAsUser) return failed(isWindows ? 'running as the logged-in user is not supported on Windows' : 'no user is logged in to run as')

  // A private directory (0700) holding the script (0600): no other local user can read or swap it.
  const dir = await mkdtemp(join(tmpdir(), 'breeze-script-'))
  try {
    const file = join(dir, `script${spec.extension}`)
    await writeFile(file, req.language === 'cmd' ? req.content.replace(/\r?\n/g, '\r\n') : req.content, { mode: 0o600 })
    if (runAsUser) { await chown(dir, runAsUser.uid, runAsUser.gid); await chown(file, runAsUser.uid, runAsUser.gid) }
    await chmod(dir, 0o700)
    const userEnv = runAsUser ? { HOME: runAsUser.home, USER: runAsUser.name, LOGNAME: runAsUser.name } : {}
    return await runProcess([interpreter, ...spec.args(file, req.parameters)], { ...inheritedEnvironment(), ...userEnv, ...environment(req.parameters) }, dir, runAsUser, req, io, started)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Parameters as environment variables of the same name (values as text, booleans as true/false). */
function environment(params: ScriptRunRequest['parameters']): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, String(value)]))
}

function runProcess(command: string[], env: Record<string, string | undefined>, cwd: string, user: LocalUser | null, req: ScriptRunRequest, io: ScriptIo, started: number): Promise<ScriptRunResult> {
  return new Promise((resolve) => {
    // detached: the script leads its own process group, so a timeout or cancel can kill
    // everything it started (a `sleep` in a subshell included), not just the interpreter.
    const child = spawn(command[0], command.slice(1), { cwd, env, ...(user ? { uid: user.uid, gid: user.gid } : {}), detached: !isWindows, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    let outputBytes = 0
    let ended: 'timeout' | 'cancelled' | null = null
    const forward = (stream: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8')
      const pipe = child[stream]!
      return (chunk: Buffer) => {
        const before = outputBytes
        outputBytes += chunk.length
        if (before >= req.maxOutputBytes) return
        const text = decoder.write(outputBytes > req.maxOutputBytes ? chunk.subarray(0, req.maxOutputBytes - before) : chunk)
        const sent = text ? io.output(stream, text) : undefined
        if (sent) {
          // Flow control: read no more of this pipe until the server has room for it.
          pipe.pause()
          void sent.finally(() => pipe.resume())
        }
      }
    }
    child.stdout!.on('data', forward('stdout'))
    child.stderr!.on('data', forward('stderr'))
    const stop = (why: 'timeout' | 'cancelled') => {
      if (ended) return
      ended = why
      killTree(child.pid)
    }
    const timer = setTimeout(() => stop('timeout'), req.timeoutSeconds * 1000)
    const onAbort = () => stop('cancelled')
    io.signal.addEventListener('abort', onAbort)
    if (io.signal.aborted) onAbort()
    const finish = (exitCode: number | null, error?: string) => {
      clearTimeout(timer)
      io.signal.removeEventListener('abort', onAbort)
      const status = ended ?? (error || exitCode !== 0 ? 'failed' : 'completed')
      resolve({ status, exitCode, durationMs: Math.round(performance.now() - started), outputBytes, truncated: outputBytes > req.maxOutputBytes, ...(error ? { error } : {}) })
    }
    child.once('error', (err) => finish(null, `could not start ${command[0]}: ${err.message}`))
    child.once('close', (code, signal) => finish(code ?? (signal ? null : 0)))
  })
}

/** killTree ends the script and every process it started. */
function killTree(pid: number | undefined) {
  if (!pid) return
  if (isWindows) { spawnSync('taskkill', ['/PID', String(pid), '/T', '/F'], { windowsHide: true }); return }
  try { process.kill(-pid, 'SIGKILL') } catch { try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ } }
}

type LocalUser = { name: string; uid: number; gid: number; home: string }

/** loggedInUser finds the console/graphical user to run as (Linux/macOS, only when the agent is root). */
function loggedInUser(): LocalUser | null {
  if (isWindows || process.getuid?.() !== 0) return null
  const who = spawnSync('who', [], { encoding: 'utf8' }).stdout ?? ''
  const name = who.split('\n').map((l) => l.split(/\s+/)[0]).find((n) => n && n !== 'root')
  if (!name) return null
  const id = (flag: string) => Number.parseInt(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout, 10)
  const uid = id('-u')
  const gid = id('-g')
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid, home: process.platform === 'darwin' ? `/Users/${name}` : `/home/${name}` } : null
}
