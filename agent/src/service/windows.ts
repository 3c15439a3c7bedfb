// The Windows service: registered with sc.exe (automatic start, restart on failure), its
// configuration folder locked to SYSTEM and Administrators. A service process must answer the
// Service Control Manager, which windows-scm.ts does through advapi32.
import { runStatus } from '../collectors/exec'
import { windowsServiceName } from './paths'

async function sc(args: string[], allowFail = false) {
  const r = await runStatus('sc.exe', args)
  if (r.code !== 0 && !allowFail) throw new Error(`sc.exe ${args[0]} failed: ${r.out.trim() || `exit ${r.code}`}`)
  return r
}

export function windowsServiceCommand(exe: string, configDir: string): string {
  return `"${exe}" run --service --config-dir "${configDir}"`
}

export async function installWindowsService(exe: string, configDir: string): Promise<string> {
  await sc(['stop', windowsServiceName], true)
  await sc(['delete', windowsServiceName], true)
  await sc(['create', windowsServiceName, 'binPath=', windowsServiceCommand(exe, configDir), 'start=', 'auto', 'DisplayName=', 'Breeze Agent'])
  await sc(['description', windowsServiceName, 'Breeze RMM agent: monitoring, inventory and remote management'])
  // Restart 5 s after a failure (and after exit 75, the self-update hand-over), reset after a day.
  await sc(['failure', windowsServiceName, 'reset=', '86400', 'actions=', 'restart/5000/restart/5000/restart/30000'])
  await sc(['failureflag', windowsServiceName, '1'])
  const acl = await runStatus('icacls', [configDir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'])
  if (acl.code !== 0) throw new Error(`could not restrict ${configDir} to SYSTEM and Administrators: ${acl.out.trim()}`)
  await sc(['start', windowsServiceName])
  return `Windows service ${windowsServiceName}`
}

export async function uninstallWindowsService(): Promise<void> {
  await sc(['stop', windowsServiceName], true)
  await sc(['delete', windowsServiceName], true)
}

export async function windowsServiceState(): Promise<string> {
  const r = await sc(['query', windowsServiceName], true)
  return /STATE\s+:\s+\d+\s+(\w+)/.exec(r.out)?.[1]?.toLowerCase() ?? 'not installed'
}
