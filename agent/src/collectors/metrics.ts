// The heartbeat sample: CPU, memory, disks, network since the last sample, process count,
// uptime, logged-in users and whether a reboot is pending. On Linux straight from /proc and
// statfs (collectors/linux.ts); elsewhere through systeminformation. No per-process scan.
import os from 'node:os'
import si from 'systeminformation'
import { capText, caps, type HeartbeatRequest } from '../../../src/protocol'
import { run } from './exec'
import * as linux from './linux'

let lastNet: { rx: number; tx: number } | null = null

async function networkDelta() {
  const stats = await si.networkStats('*').catch(() => [])
  const ext = stats.filter((s) => s.iface !== 'lo' && !/^lo\d*$|loopback/i.test(s.iface))
  const now = { rx: ext.reduce((a, s) => a + (s.rx_bytes || 0), 0), tx: ext.reduce((a, s) => a + (s.tx_bytes || 0), 0) }
  const prev = lastNet
  lastNet = now
  if (!prev) return { in: null, out: null }
  return { in: Math.max(0, now.rx - prev.rx), out: Math.max(0, now.tx - prev.tx) }
}

async function processCount(): Promise<number | null> {
  const p = await si.processes().catch(() => null)
  return p ? p.all : null
}

let rebootCache: { at: number; value: boolean } | null = null

/** pendingReboot: does the machine say it needs a reboot (cached 10 minutes unless `fresh`)? */
export async function pendingReboot(fresh = false): Promise<boolean> {
  if (process.platform === 'linux') return linux.rebootRequired()
  if (!fresh && rebootCache && Date.now() - rebootCache.at < 10 * 60_000) return rebootCache.value
  let value = false
  if (process.platform === 'win32') {
    const keys = ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending', 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired']
    for (const key of keys) if ((await run('reg', ['query', key], 10_000)) !== null) value = true
  }
  rebootCache = { at: Date.now(), value }
  return value
}

const isLinux = process.platform === 'linux'

/** primeMetrics takes the baselines that CPU load and network deltas are measured against. */
export async function primeMetrics() {
  if (isLinux) return void (linux.cpuPercent(), linux.networkDelta())
  await Promise.all([si.currentLoad().catch(() => null), networkDelta()])
}

const clamp = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.min(100, Math.max(0, Math.round(v * 10) / 10)))

/** linuxHeartbeat reads everything from /proc and statfs (see collectors/linux.ts). */
async function linuxHeartbeat(agentVersion: string, hardwareId: string): Promise<HeartbeatRequest> {
  const mem = linux.memory()
  const vols = linux.volumes()
  const net = linux.networkDelta()
  const names = (await linux.loggedInUsers()).map((u) => capText(u)).filter((u): u is string => !!u).slice(0, caps.users)
  const volumes: Record<string, number> = {}
  for (const v of vols) volumes[capText(v.mount, caps.long) ?? v.mount] = clamp(v.percent) ?? 0
  return {
    agentVersion, hardwareId, collectedAt: Date.now(),
    metrics: {
      cpuPercent: clamp(linux.cpuPercent()), ramPercent: mem ? clamp((mem.used / mem.total) * 100) : null, ramUsedMb: mem ? Math.round(mem.used / 2 ** 20) : null,
      diskPercent: vols.length ? clamp(Math.max(...vols.map((v) => v.percent))) : null, diskUsedGb: vols.length ? Math.round(vols.reduce((a, v) => a + v.used, 0) / 2 ** 30) : null,
      volumes, netInBytes: net.in, netOutBytes: net.out, processCount: linux.processCount(),
    },
    uptimeSeconds: Math.round(os.uptime()), lastUser: names[0] ?? null, loggedInUsers: names, pendingReboot: linux.rebootRequired(),
  }
}

export async function collectHeartbeat(agentVersion: string, hardwareId: string): Promise<HeartbeatRequest> {
  if (isLinux) return linuxHeartbeat(agentVersion, hardwareId)
  const [load, mem, fs, net, procs, users, reboot] = await Promise.all([
    si.currentLoad().catch(() => null), si.mem().catch(() => null), si.fsSize().catch(() => []), networkDelta(), processCount(), si.users().catch(() => []), pendingReboot(),
  ])
  const volumes: Record<string, number> = {}
  for (const v of fs.filter((v) => v.size > 0).slice(0, caps.volumes)) volumes[capText(v.mount, caps.long) ?? v.fs] = Math.min(100, Math.max(0, Math.round(v.use * 10) / 10))
  const fullest = fs.filter((v) => v.size > 0).sort((a, b) => b.use - a.use)[0]
  const used = mem ? mem.total - mem.available : null
  const names = [...new Set(users.map((u) => capText(u.user)).filter((u): u is string => !!u))].slice(0, caps.users)
  return {
    agentVersion, hardwareId, collectedAt: Date.now(),
    metrics: {
      cpuPercent: clamp(load?.currentLoad), ramPercent: mem && used !== null ? clamp((used / mem.total) * 100) : null, ramUsedMb: used !== null ? Math.round(used / 2 ** 20) : null,
      diskPercent: fullest ? clamp(fullest.use) : null, diskUsedGb: fs.length ? Math.round(fs.reduce((a, v) => a + v.used, 0) / 2 ** 30) : null,
      volumes, netInBytes: net.in, netOutBytes: net.out, processCount: procs,
    },
    uptimeSeconds: Math.round(os.uptime()),
    lastUser: names[0] ?? null,
    loggedInUsers: names,
    pendingReboot: reboot,
  }
}
