// What remote access this endpoint can offer, for the device's remote page.
import type { RemoteCapabilities } from '../../../src/protocol/remote'
import { probeDisplay } from './display'
import { defaultShell, homeDirectory, listShells } from './shells'

export async function remoteCapabilities(): Promise<RemoteCapabilities> {
  const shells = listShells()
  const probe = await probeDisplay()
  const windowsPty = process.platform !== 'win32' || (() => { try { require(['node', 'pty'].join('-')); return true } catch { return false } })()
  return {
    os: process.platform,
    shells,
    defaultShell: defaultShell(shells),
    terminal: shells.length === 0
      ? { available: false, reason: 'no shell was found on this device' }
      : windowsPty ? { available: true, reason: null } : { available: false, reason: 'the terminal needs node-pty on Windows (ConPTY): install it next to the agent' },
    desktop: probe.ok
      ? { available: true, reason: null, display: probe.display.display, monitors: probe.display.monitors, tools: probe.tools }
      : { available: false, reason: probe.reason, display: probe.display, monitors: [], tools: probe.tools },
    home: homeDirectory(),
  }
}
