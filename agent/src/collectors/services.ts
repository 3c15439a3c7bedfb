// Services (systemd units or SysV init scripts, launchd jobs, Windows services).
// Services come from each system's own tool, with its display name, state and start type;
// states are normalised (running, stopped, exited, failed, starting, stopping, paused, unknown),
// start types keep the system's words (enabled/disabled/static…, auto/manual/disabled…).
import { capText, caps, type ServiceEntry } from '../../../src/protocol'
import { run } from './exec'

const entry = (name: unknown, displayName: unknown, state: string, startMode: unknown): ServiceEntry | null => {
  const n = capText(name)
  return n ? { name: n, displayName: capText(displayName), state, startMode: capText(startMode, 32)?.toLowerCase() ?? null } : null
}

/** parseSystemd reads `systemctl list-units --type=service --all --plain --no-legend` and `list-unit-files`. */
export function parseSystemd(units: string, unitFiles: string | null): ServiceEntry[] {
  const startModes = new Map<string, string>()
  for (const line of unitFiles?.split('\n') ?? []) {
    const [unit, mode] = line.trim().split(/\s+/)
    if (unit?.endsWith('.service') && mode) startModes.set(unit, mode)
  }
  const out: ServiceEntry[] = []
  for (const raw of units.split('\n')) {
    const m = /^\s*(?:[●*×]\s+)?(\S+\.service)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(raw)
    if (!m) continue
    const [, unit, load, active, sub, description] = m
    if (load === 'not-found') continue
    const state = sub === 'running' ? 'running' : active === 'failed' ? 'failed' : active === 'activating' || active === 'reloading' ? 'starting' : active === 'deactivating' ? 'stopping'
      : active === 'active' && sub === 'exited' ? 'exited' : active === 'inactive' ? 'stopped' : 'unknown'
    const e = entry(unit.slice(0, -'.service'.length), description, state, startModes.get(unit) ?? (load === 'masked' ? 'masked' : null))
    if (e) out.push(e)
  }
  return out
}

const windowsStates: Record<string, string> = {
  running: 'running', stopped: 'stopped', paused: 'paused', 'start pending': 'starting', 'continue pending': 'starting', 'stop pending': 'stopping', 'pause pending': 'stopping',
}

/** parseWindows reads `Get-CimInstance Win32_Service | Select Name,DisplayName,State,StartMode | ConvertTo-Json`. */
export function parseWindows(json: string): ServiceEntry[] {
  let rows: unknown
  try { rows = JSON.parse(json.replace(/^\uFEFF/, '')) } catch { return [] }
  const list = (Array.isArray(rows) ? rows : rows && typeof rows === 'object' ? [rows] : []) as Record<string, unknown>[]
  return list.map((r) => entry(r.Name, r.DisplayName, windowsStates[String(r.State ?? '').toLowerCase()] ?? 'unknown', r.StartMode)).filter((e): e is ServiceEntry => !!e)
}

/** parseLaunchctl reads `launchctl list` (PID, last exit status, label). */
export function parseLaunchctl(text: string): ServiceEntry[] {
  const out: ServiceEntry[] = []
  for (const line of text.split('\n').slice(1)) {
    const [pid, status, label] = line.split('\t')
    if (!label) continue
    const e = entry(label.trim(), null, /^\d+$/.test(pid) ? 'running' : status && status !== '0' && status !== '-' ? 'failed' : 'stopped', null)
    if (e) out.push(e)
  }
  return out
}

async function listServices(): Promise<ServiceEntry[]> {
  const { initSystem, listSysV } = await import('../system-tools/services')
  switch (initSystem()) {
    case 'windows': {
      const json = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', 'Get-CimInstance Win32_Service | Select-Object Name,DisplayName,State,StartMode | ConvertTo-Json -Compress'], 120_000)
      return parseWindows(json ?? '')
    }
    case 'launchd': return parseLaunchctl((await run('launchctl', ['list'])) ?? '')
    case 'systemd': {
      const units = await run('systemctl', ['list-units', '--type=service', '--all', '--plain', '--no-legend', '--no-pager'])
      return parseSystemd(units ?? '', await run('systemctl', ['list-unit-files', '--type=service', '--no-legend', '--no-pager']))
    }
    // No systemd running (containers, older systems): the init scripts say for themselves.
    case 'sysv': return listSysV()
  }
}

/** collectServices lists the services, one per name, sorted, within the protocol's cap. */
export async function collectServices(): Promise<ServiceEntry[]> {
  const seen = new Set<string>()
  return (await listServices()).filter((e) => !seen.has(e.name) && !!seen.add(e.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, caps.services)
}
