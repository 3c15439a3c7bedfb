// `breeze-agent install` / `uninstall`: the system service for this OS.
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { ensureConfigDir, loadIdentity } from '../../config'
import { runStatus } from '../collectors/exec'
import { installedExecutable, windowsServiceName } from './paths'
import { installUnixService, uninstallUnixService, unixServiceState } from './unix'
import { installWindowsService, uninstallWindowsService, windowsServiceState } from './windows'

const isWindows = process.platform === 'win32'

/** requireAdmin throws unless running as root / an elevated Administrator. */
export async function requireAdmin() {
  const admin = isWindows ? (await runStatus('net', ['session'])).code === 0 : process.getuid?.() === 0
  if (!admin) throw new Error(isWindows ? 'run this from an Administrator prompt' : 'run this as root (sudo)')
}

/** installService copies the executable into place, locks down the config dir and registers the service. */
export async function installService(configDir: string): Promise<string> {
  await requireAdmin()
  if (!loadIdentity(configDir)) throw new Error(`not enrolled: give --server URL --key KEY, or run breeze-agent enroll first`)
  ensureConfigDir(configDir)
  const exe = installedExecutable()
  if (path.resolve(process.execPath) !== path.resolve(exe)) {
    // note: Windows cannot replace an executable that is running; stop an earlier install first.
    if (isWindows) await runStatus('sc.exe', ['stop', windowsServiceName])
    mkdirSync(path.dirname(exe), { recursive: true })
    const tmp = `${exe}.new`
    copyFileSync(process.execPath, tmp)
    renameSync(tmp, exe)
  }
  return isWindows ? installWindowsService(exe, configDir) : installUnixService(exe, configDir)
}

/** uninstallService removes the service; with purge, also the configuration and the executable. */
export async function uninstallService(configDir: string, purge: boolean) {
  await requireAdmin()
  if (isWindows) await uninstallWindowsService()
  else await uninstallUnixService()
  if (purge) {
    rmSync(configDir, { recursive: true, force: true })
    rmSync(installedExecutable(), { force: true })
  }
}

export function serviceState(): Promise<string> {
  return isWindows ? windowsServiceState() : unixServiceState()
}
