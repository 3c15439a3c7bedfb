// Heartbeat metrics on Linux straight from /proc and statfs: no child processes and almost no
// allocation, so a long-running agent stays flat (systeminformation's helpers spawn df and
// friends through node's child_process on every call and grew the agent by ~15 MB).
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs'
import { caps } from '../../../src/protocol'

let lastCpu: { busy: number; total: number } | null = null
let lastNet: { rx: number; tx: number } | null = null

/** cpuPercent: busy share of all CPUs since the previous call (null on the first). */
export function cpuPercent(): number | null {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3] + (f[4] ?? 0)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  const prev = lastCpu
  lastCpu = { busy: total - idle, total }
  if (!prev || total <= prev.total) return null
  return ((lastCpu.busy - prev.busy) / (total - prev.total)) * 100
}

export function memory(): { total: number; used: number } | null {
  const text = readFileSync('/proc/meminfo', 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) * 1024
  const total = kb('MemTotal')
  const available = kb('MemAvailable')
  return Number.isFinite(total) && Number.isFinite(available) ? { total, used: total - available } : null
}

const realFilesystems = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'jfs', 'reiserfs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'fuseblk', 'hfsplus', 'apfs', 'nfs', 'nfs4', 'cifs', 'smb3'])

/** volumes: real, mounted filesystems (one per device) with their size and use. */
export function volumes(): { mount: string; size: number; used: number; percent: number }[] {
  const seen = new Set<string>()
  const out: { mount: string; size: number; used: number; percent: number }[] = []
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [device, mount, type] = line.split(' ')
    if (!mount || !realFilesystems.has(type) || seen.has(device)) continue
    seen.add(device)
    try {
      const s = statfsSync(mount.replace(/\\040/g, ' '))
      const size = s.blocks * s.bsize
      if (size <= 0) continue
      const used = (s.blocks - s.bfree) * s.bsize
      // Like df: used / (used + available to users).
      out.push({ mount, size, used, percent: (used / (used + s.bavail * s.bsize)) * 100 })
    } catch {}
    if (out.length >= caps.volumes) break
  }
  return out
}

/** networkDelta: bytes in/out on non-loopback interfaces since the previous call. */
export function networkDelta(): { in: number | null; out: number | null } {
  let rx = 0
  let tx = 0
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':')
    if (!rest || name.trim() === 'lo') continue
    const f = rest.trim().split(/\s+/).map(Number)
    rx += f[0]
    tx += f[8]
  }
  const prev = lastNet
  lastNet = { rx, tx }
  return prev ? { in: Math.max(0, rx - prev.rx), out: Math.max(0, tx - prev.tx) } : { in: null, out: null }
}

export function processCount(): number {
  return readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).length
}

/** loggedInUsers: from `who` (utmp), started with Bun.spawn, which does not accumulate memory. */
export async function loggedInUsers(): Promise<string[]> {
  try {
    const proc = Bun.spawn(['who'], { stdout: 'pipe', stderr: 'ignore', stdin: 'ignore' })
    const text = await new Response(proc.stdout).text()
    await proc.exited
    return [...new Set(text.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean))]
  } catch {
    return []
  }
}

export function rebootRequired(): boolean {
  return existsSync('/var/run/reboot-required') || existsSync('/run/reboot-required')
}
