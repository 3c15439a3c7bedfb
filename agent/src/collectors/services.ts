// Services (systemd units, launchd jobs, Windows services) and processes, from systeminformation.
import si from 'systeminformation'
import { capText, caps, type ProcessInfo, type ServiceEntry } from '../../../src/protocol'

export async function collectServices(): Promise<ServiceEntry[]> {
  const list = await si.services('*').catch(() => [])
  return list.slice(0, caps.services).map((s) => ({
    name: capText(s.name) ?? 'unknown', displayName: null, state: s.running ? 'running' : 'stopped', startMode: capText(s.startmode, 32),
  }))
}

/** topProcesses lists the busiest processes (on demand only: a full process scan is not cheap). */
export async function topProcesses(sortBy: 'cpu' | 'memory' = 'cpu', limit = 50): Promise<{ total: number; processes: ProcessInfo[] }> {
  const p = await si.processes()
  const key = sortBy === 'cpu' ? (x: (typeof p.list)[number]) => x.cpu : (x: (typeof p.list)[number]) => x.memRss
  const list = [...p.list].sort((a, b) => key(b) - key(a)).slice(0, limit)
  return {
    total: p.all,
    processes: list.map((x) => ({
      pid: x.pid, name: capText(x.name) ?? String(x.pid), user: capText(x.user), cpuPercent: Math.round(x.cpu * 10) / 10, memoryMb: Math.round((x.memRss / 1024) * 10) / 10,
      command: capText([x.command, x.params].filter(Boolean).join(' '), caps.long),
    })),
  }
}
