// Who this machine is: the hardware id (hash of the SMBIOS system UUID and the OS machine
// id, so a cloned VM with a new UUID is told apart), hostname, OS and platform.
import { createHash } from 'node:crypto'
import os from 'node:os'
import si from 'systeminformation'
import { capText, type AgentPlatform, type OsType } from '../../../src/protocol'
import { env } from '../../config'

export const osType: OsType = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux'
export const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch === 'arm64' ? 'arm64' : 'x64'}` as AgentPlatform

let cached: string | null = null

/** hardwareId is stable across reinstalls and re-enrollments of the same machine. */
export async function hardwareId(): Promise<string> {
  if (env.hardwareId) return env.hardwareId
  if (cached) return cached
  const ids = await si.uuid().catch(() => ({ hardware: '', os: '', macs: [] as string[] }))
  const parts = [ids.hardware, ids.os].filter((x) => x && !/^0+$|^-$/.test(x.replace(/-/g, '')))
  const basis = parts.length > 0 ? parts.join('|') : [...(ids.macs ?? [])].sort().join('|') || os.hostname()
  cached = createHash('sha256').update(basis.toLowerCase()).digest('hex').slice(0, 40)
  return cached
}

export async function osBasics() {
  const info = await si.osInfo()
  const version = osType === 'linux' ? `${info.distro} ${info.release}`.trim() : osType === 'macos' ? `macOS ${info.release}` : `${info.distro}`.trim()
  return {
    hostname: capText(os.hostname()) ?? 'unknown',
    osType,
    osVersion: capText(version, 128) ?? process.platform,
    osBuild: capText(info.build || info.kernel, 128),
    distro: capText(info.distro),
    kernel: capText(info.kernel, 128),
    architecture: process.arch,
  }
}
