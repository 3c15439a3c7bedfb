// Controlling services: start, stop, restart and set the start type, through the machine's own
// service manager — systemd where PID 1 is systemd, SysV init scripts otherwise (run directly
// from the configured folders, default /etc/init.d), launchd on macOS, the SCM on Windows —
// and reading one service's state back. Names are passed as arguments (or, to PowerShell, in
// an environment variable), never spliced into a command line.
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { capText, caps, type ServiceControlPayload, type ServiceControlResult, type ServiceEntry, type ServiceStartType } from '../../../src/protocol'
import { run, runDetached, runStatus } from '../collectors/exec'
import { parseLaunchctl } from '../collectors/services'
import { settings } from '../settings'

export type InitSystem = 'systemd' | 'sysv' | 'launchd' | 'windows'

/** initSystem: what manages services here (systemd only when it is PID 1: /run/systemd/system exists). */
export function initSystem(): InitSystem {
  if (process.platform === 'win32') return 'windows'
  if (process.platform === 'darwin') return 'launchd'
  return existsSync('/run/systemd/system') ? 'systemd' : 'sysv'
}

export class ServiceError extends Error {}

const cut = (s: string) => s.replace(/\s+$/g, '').slice(-caps.long)

// ---- SysV init scripts ----

export const defaultInitDirs = ['/etc/init.d']
const notServices = /^(README|skeleton|rc|rcS|functions|halt|killall|single|reboot|mountall.*|\.depend\..*)$|\.(dpkg-\w+|rpm\w*|ucf-\w+|swp|bak|orig|save)$|~$/

export const initDirs = () => settings().initScriptDirs ?? defaultInitDirs

/** initScripts lists the executable scripts of the init folders (the first folder wins a name). */
export function initScripts(dirs = initDirs()): Map<string, string> {
  const out = new Map<string, string>()
  for (const dir of dirs) {
    let names: string[]
    try { names = readdirSync(dir) } catch { continue }
    for (const name of names.sort()) {
      if (out.has(name) || notServices.test(name)) continue
      const file = path.join(dir, name)
      try {
        const st = statSync(file)
        if (st.isFile() && (st.mode & 0o111) !== 0) out.set(name, file)
      } catch {}
    }
  }
  return out
}

/** sysvState maps an LSB `status` exit code: 0 running, 1–2 dead with a leftover pid/lock file, 3 stopped, otherwise unknown. */
export function sysvState(code: number | null, output: string): string {
  if (/usage:/i.test(output) && code !== 0 && code !== 3) return 'unknown'
  return code === 0 ? 'running' : code === 3 ? 'stopped' : code === 1 || code === 2 ? 'failed' : 'unknown'
}

/** sysvStartMode: a script in /etc/init.d is enabled when some runlevel 2–5 starts it (an S link). */
function sysvStartMode(name: string, file: string): string | null {
  if (path.dirname(file) !== '/etc/init.d') return null
  for (const level of ['2', '3', '4', '5']) {
    try { if (readdirSync(`/etc/rc${level}.d`).some((l) => /^S\d\d/.test(l) && l.slice(3) === name)) return 'enabled' } catch {}
  }
  return 'disabled'
}

async function sysvStatus(name: string, file: string): Promise<ServiceEntry> {
  const res = await runStatus(file, ['status'], 15_000)
  return { name, displayName: null, state: sysvState(res.code, res.out), startMode: sysvStartMode(name, file) }
}

/** listSysV runs every init script's `status` (a few at a time), as `service --status-all` does. */
export async function listSysV(dirs = initDirs()): Promise<ServiceEntry[]> {
  const scripts = [...initScripts(dirs)]
  const out: ServiceEntry[] = []
  for (let i = 0; i < scripts.length; i += 8) out.push(...(await Promise.all(scripts.slice(i, i + 8).map(([name, file]) => sysvStatus(name, file)))))
  return out
}

// ---- systemd ----

/** parseSystemctlShow reads `systemctl show -p LoadState -p ActiveState -p SubState -p UnitFileState`. */
export function parseSystemctlShow(text: string): { load: string; state: string; startMode: string | null } {
  const v = Object.fromEntries(text.split('\n').map((l) => l.trim().split('=')).filter((p) => p.length >= 2).map(([k, ...rest]) => [k, rest.join('=')]))
  const active = v.ActiveState ?? ''
  const sub = v.SubState ?? ''
  const state = sub === 'running' ? 'running' : active === 'failed' ? 'failed' : active === 'activating' || active === 'reloading' ? 'starting' : active === 'deactivating' ? 'stopping'
    : active === 'active' && sub === 'exited' ? 'exited' : active === 'inactive' ? 'stopped' : 'unknown'
  return { load: v.LoadState ?? '', state, startMode: v.UnitFileState ? v.UnitFileState.toLowerCase() : null }
}

const unit = (name: string) => (/\.(service|socket|timer)$/.test(name) ? name : `${name}.service`)

// ---- launchd ----

/** parsePrintDisabled reads `launchctl print-disabled system` (`"label" => disabled|enabled`, or true/false on older macOS). */
export function parsePrintDisabled(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>()
  for (const m of text.matchAll(/"([^"]+)"\s*=>\s*(disabled|enabled|true|false)/g)) out.set(m[1], m[2] === 'disabled' || m[2] === 'true')
  return out
}

// ---- Windows ----

const scmStates: Record<string, string> = { '1': 'stopped', '2': 'starting', '3': 'stopping', '4': 'running', '5': 'starting', '6': 'stopping', '7': 'paused' }

/** parseScQuery reads `sc.exe query [name]` / `sc.exe query type= service state= all`: SERVICE_NAME blocks with a numeric STATE (locale-proof). */
export function parseScQuery(text: string): Map<string, string> {
  const out = new Map<string, string>()
  let current: string | null = null
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const name = /^SERVICE_NAME:\s*(.+)$/.exec(line)
    if (name) { current = name[1].trim(); continue }
    const state = /^STATE\s*:\s*(\d)/.exec(line)
    if (state && current) out.set(current, scmStates[state[1]] ?? 'unknown')
  }
  return out
}

/** parseScQc reads the START_TYPE of `sc.exe qc name` (2 auto, 3 manual, 4 disabled; "(DELAYED)" is auto). */
export function parseScQc(text: string): string | null {
  const m = /START_TYPE\s*:\s*(\d)/.exec(text)
  return m ? ({ '0': 'boot', '1': 'system', '2': 'auto', '3': 'manual', '4': 'disabled' } as Record<string, string>)[m[1]] ?? null : null
}

/** powershell runs a short script; values travel as environment variables ($env:BREEZE_…), never inside the script text. */
function powershell(script: string, env: Record<string, string>, timeoutMs = 120_000) {
  return runStatus('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], timeoutMs, env)
}

// ---- one service's state ----

/** serviceState reads one service's state and start mode now (null when the system does not know it). */
export async function serviceState(name: string): Promise<{ state: string; startMode: string | null } | null> {
  switch (initSystem()) {
    case 'systemd': {
      const s = parseSystemctlShow((await run('systemctl', ['show', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'SubState', '-p', 'UnitFileState', '--', unit(name)], 15_000)) ?? '')
      return s.load === 'not-found' || s.load === '' ? null : { state: s.state, startMode: s.startMode }
    }
    case 'sysv': {
      const file = initScripts().get(name)
      return file ? sysvStatus(name, file) : null
    }
    case 'launchd': {
      const entry = parseLaunchctl((await run('launchctl', ['list'], 15_000)) ?? '').find((e) => e.name === name)
      if (!entry) return null
      const disabled = parsePrintDisabled((await run('launchctl', ['print-disabled', 'system'], 15_000)) ?? '').get(name)
      return { state: entry.state, startMode: disabled === undefined ? null : disabled ? 'disabled' : 'enabled' }
    }
    case 'windows': {
      const state = parseScQuery((await run('sc.exe', ['query', name], 30_000)) ?? '').get(name)
      if (!state) return null
      return { state, startMode: parseScQc((await run('sc.exe', ['qc', name], 30_000)) ?? '') }
    }
  }
}

/** settle waits (up to `ms`) for a service to leave starting/stopping, then returns its state. */
async function settle(name: string, ms = 20_000) {
  const until = Date.now() + ms
  let s = await serviceState(name)
  while (s && (s.state === 'starting' || s.state === 'stopping') && Date.now() < until) {
    await Bun.sleep(500)
    s = await serviceState(name)
  }
  return s
}

// ---- control ----

const systemdStartType: Record<ServiceStartType, string[][]> = {
  auto: [['unmask'], ['enable']],
  manual: [['unmask'], ['disable']],
  disabled: [['disable'], ['mask']],
}
const windowsStartType: Record<ServiceStartType, string> = { auto: 'Automatic', manual: 'Manual', disabled: 'Disabled' }
const windowsVerbs = { start: 'Start-Service', stop: 'Stop-Service -Force', restart: 'Restart-Service -Force' } as const

async function runAll(steps: [string, string[]][]): Promise<string> {
  let out = ''
  for (const [cmd, args] of steps) {
    const res = await runDetached(cmd, args, { timeoutMs: 120_000 })
    out += res.out
    if (res.code !== 0) throw new ServiceError(cut(res.out) || `${cmd} ${args[0]} exited with ${res.code ?? 'no code (could not start, or timed out)'}`)
  }
  return out
}

/** controlService performs one action and reports the state it left the service in. */
export async function controlService(p: ServiceControlPayload): Promise<ServiceControlResult> {
  const name = p.name
  if (p.action === 'set_start_type' && !p.startType) throw new ServiceError('set_start_type needs a startType')
  const before = await serviceState(name)
  if (!before) throw new ServiceError(`no service named ${name} on this machine`)
  let output = ''
  switch (initSystem()) {
    case 'systemd':
      output = p.action === 'set_start_type'
        ? await runAll(systemdStartType[p.startType!].map((verb) => ['systemctl', [...verb, '--', unit(name)]]))
        : await runAll([['systemctl', [p.action, '--', unit(name)]]])
      break
    case 'sysv': {
      const file = initScripts().get(name)!
      if (p.action === 'set_start_type') {
        if (path.dirname(file) !== '/etc/init.d') throw new ServiceError(`start types apply to scripts in /etc/init.d; ${file} is started by whoever runs it`)
        const enable = p.startType === 'auto'
        output = Bun.which('update-rc.d') ? await runAll([['update-rc.d', [name, enable ? 'enable' : 'disable']]])
          : Bun.which('chkconfig') ? await runAll([['chkconfig', [name, enable ? 'on' : 'off']]])
          : (() => { throw new ServiceError('neither update-rc.d nor chkconfig is installed') })()
      } else {
        output = await runAll([[file, [p.action]]])
      }
      break
    }
    case 'launchd': {
      const target = `system/${name}`
      const steps: Record<string, [string, string[]][]> = {
        start: [['launchctl', ['kickstart', target]]],
        stop: [['launchctl', ['kill', 'SIGTERM', target]]],
        restart: [['launchctl', ['kickstart', '-k', target]]],
        set_start_type: [['launchctl', [p.startType === 'disabled' ? 'disable' : 'enable', target]]],
      }
      output = await runAll(steps[p.action])
      break
    }
    case 'windows': {
      const script = p.action === 'set_start_type'
        ? `Set-Service -Name $env:BREEZE_SERVICE_NAME -StartupType ${windowsStartType[p.startType!]} -ErrorAction Stop`
        : `${windowsVerbs[p.action]} -Name $env:BREEZE_SERVICE_NAME -ErrorAction Stop`
      const res = await powershell(script, { BREEZE_SERVICE_NAME: name })
      output = res.out
      if (res.code !== 0) throw new ServiceError(cut(res.out) || `PowerShell exited with ${res.code}`)
      break
    }
  }
  const after = (await settle(name)) ?? { state: 'unknown', startMode: null }
  return { name, state: after.state, startMode: capText(after.startMode, 32), output: cut(output) }
}
