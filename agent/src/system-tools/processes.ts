// Processes: the live list (the device page asks every few seconds while someone looks), the
// processes alert rules watch (counted in each heartbeat), and killing one or a tree.
// On Linux straight from /proc (no child process, CPU share from tick deltas between two
// samples); on macOS and Windows through systeminformation (ps / CIM), which measures the
// same share itself. CPU is a share of the whole machine: all cores busy = 100.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import { capText, caps, type ProcessInfo, type ProcessKillPayload, type ProcessKillResult } from '../../../src/protocol'
import { globMatcher } from '../../../src/lib/glob'
import { runStatus } from '../collectors/exec'

const isLinux = process.platform === 'linux'
const isWindows = process.platform === 'win32'

/** One process as read from the system. */
export type ProcRow = { pid: number; ppid: number | null; name: string; user: string | null; cpuPercent: number; memoryMb: number; command: string | null; startedAt: number | null }

// ---- Linux: /proc ----

type RawProc = { pid: number; ppid: number; comm: string; uid: number; ticks: number; rssPages: number; startTicks: number }

/** parseProcStat reads /proc/<pid>/stat (the name sits in parentheses and may hold spaces or parentheses). */
export function parseProcStat(text: string): Omit<RawProc, 'uid'> | null {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return null
  const rest = text.slice(close + 2).split(' ')
  // rest[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
  const num = (i: number) => Number(rest[i])
  return { pid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), ppid: num(1), ticks: num(11) + num(12), startTicks: num(19), rssPages: num(21) }
}

let pageSize = 0
/** linuxPageSize: from this process's own RSS in bytes (status) and pages (statm); 4096 when they disagree. */
function linuxPageSize(): number {
  if (pageSize) return pageSize
  try {
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1])
    const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1])
    const guess = (kb * 1024) / pages
    pageSize = [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - guess) < Math.abs(best - guess) ? p : best), 4096)
  } catch {
    pageSize = 4096
  }
  return pageSize
}

let users: { at: number; byUid: Map<number, string> } | null = null
/** userName maps a uid to its login name (/etc/passwd, re-read every minute). */
function userName(uid: number): string | null {
  if (!users || Date.now() - users.at > 60_000) {
    const byUid = new Map<number, string>()
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':')
        if (name && id && !byUid.has(Number(id))) byUid.set(Number(id), name)
      }
    } catch {}
    users = { at: Date.now(), byUid }
  }
  return users.byUid.get(uid) ?? String(uid)
}

/** totalTicks: all CPU time of all cores so far (the first line of /proc/stat). */
function totalTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number)
  return f.reduce((a, b) => a + b, 0)
}

let bootMs: number | null = null
function bootTime(): number {
  if (bootMs === null) {
    const btime = Number(/^btime (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1])
    bootMs = Number.isFinite(btime) ? btime * 1000 : Date.now() - os.uptime() * 1000
  }
  return bootMs
}

function readLinuxProcs(): RawProc[] {
  const out: RawProc[] = []
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0)
    if (c < 48 || c > 57) continue
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'))
      if (stat) out.push({ ...stat, uid: statSync(`/proc/${entry}`).uid })
    } catch {}
  }
  return out
}

export function linuxCommandLine(pid: number): string | null {
  try {
    return capText(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' '), caps.long)
  } catch {
    return null
  }
}

/**
 * CpuSampler keeps the previous sample so each call measures CPU since the last one (the live
 * list every few seconds, the watch every heartbeat). A first call, or one after a long gap,
 * samples twice half a second apart.
 */
export class CpuSampler {
  private last: { at: number; total: number; ticks: Map<number, number> } | null = null

  constructor(private maxGapMs = 120_000) {}

  async sample(): Promise<{ rows: RawProc[]; cpu: Map<number, number> }> {
    if (!this.last || Date.now() - this.last.at > this.maxGapMs) {
      this.take(readLinuxProcs())
      await Bun.sleep(500)
    }
    const prev = this.last!
    const rows = readLinuxProcs()
    const now = this.take(rows)
    const span = now.total - prev.total
    const cpu = new Map<number, number>()
    for (const r of rows) {
      const before = prev.ticks.get(r.pid)
      cpu.set(r.pid, span > 0 && before !== undefined ? Math.max(0, ((r.ticks - before) / span) * 100) : 0)
    }
    return { rows, cpu }
  }

  private take(rows: RawProc[]) {
    this.last = { at: Date.now(), total: totalTicks(), ticks: new Map(rows.map((r) => [r.pid, r.ticks])) }
    return this.last
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10

async function linuxRows(sampler: CpuSampler, withCommands: boolean): Promise<ProcRow[]> {
  const { rows, cpu } = await sampler.sample()
  const page = linuxPageSize()
  const boot = bootTime()
  return rows.map((r) => ({
    pid: r.pid, ppid: r.ppid, name: capText(r.comm) ?? String(r.pid), user: userName(r.uid), cpuPercent: round1(cpu.get(r.pid) ?? 0),
    memoryMb: round1((r.rssPages * page) / 2 ** 20), command: withCommands ? linuxCommandLine(r.pid) : null, startedAt: Math.round(boot + r.startTicks * 10),
  }))
}

// ---- macOS, Windows: systeminformation ----

async function otherRows(): Promise<ProcRow[]> {
  const si = (await import('systeminformation')).default
  const p = await si.processes()
  return p.list.map((x) => {
    const started = Date.parse(String(x.started).replace(' ', 'T'))
    return {
      pid: x.pid, ppid: x.parentPid ?? null, name: capText(x.name) ?? String(x.pid), user: capText(x.user), cpuPercent: round1(x.cpu), memoryMb: round1(x.memRss / 1024),
      command: capText([x.command, x.params].filter(Boolean).join(' '), caps.long), startedAt: Number.isFinite(started) ? started : null,
    }
  })
}

const listSampler = new CpuSampler(30_000)
const watchSampler = new CpuSampler()

/** allProcesses reads every process now (command lines only when asked: one file per process on Linux). */
export async function allProcesses(withCommands = true, sampler = listSampler): Promise<ProcRow[]> {
  return isLinux ? linuxRows(sampler, withCommands) : otherRows()
}

export type ListOptions = { sortBy?: 'cpu' | 'memory' | 'name' | 'pid'; limit?: number; search?: string }

/** selectProcesses filters, sorts and cuts a process list (pure, so it is tested on its own). */
export function selectProcesses(rows: ProcRow[], opts: ListOptions): { total: number; matched: number; processes: ProcessInfo[] } {
  const needle = opts.search?.trim().toLowerCase()
  const matched = needle
    ? rows.filter((r) => String(r.pid) === needle || r.name.toLowerCase().includes(needle) || (r.user ?? '').toLowerCase().includes(needle) || (r.command ?? '').toLowerCase().includes(needle))
    : rows
  const by = opts.sortBy ?? 'cpu'
  const sorted = [...matched].sort((a, b) => by === 'cpu' ? b.cpuPercent - a.cpuPercent || b.memoryMb - a.memoryMb || a.pid - b.pid
    : by === 'memory' ? b.memoryMb - a.memoryMb || a.pid - b.pid
    : by === 'name' ? a.name.localeCompare(b.name) || a.pid - b.pid
    : a.pid - b.pid)
  return { total: rows.length, matched: matched.length, processes: sorted.slice(0, Math.min(opts.limit ?? 50, 500)) }
}

/** listProcesses answers `processes.list`. */
export async function listProcesses(opts: ListOptions) {
  // note: on Linux command lines are read for the shown rows only, unless the search needs them all.
  const rows = await allProcesses(!!opts.search || !isLinux)
  const out = selectProcesses(rows, opts)
  if (isLinux && !opts.search) for (const p of out.processes) p.command = linuxCommandLine(p.pid)
  return out
}

// ---- the watch: processes alert rules look for ----

export type WatchedProcess = { pattern: string; count: number; cpuPercent: number; memoryMb: number }

/** summarizeWatch counts, for each pattern, the processes whose name matches (a trailing .exe is optional) and their total CPU and memory. */
export function summarizeWatch(rows: Pick<ProcRow, 'name' | 'cpuPercent' | 'memoryMb'>[], patterns: string[]): WatchedProcess[] {
  return patterns.map((pattern) => {
    const match = globMatcher(pattern)
    let count = 0
    let cpu = 0
    let mem = 0
    for (const r of rows) {
      if (!match(r.name) && !match(r.name.replace(/\.exe$/i, ''))) continue
      count++
      cpu += r.cpuPercent
      mem += r.memoryMb
    }
    return { pattern, count, cpuPercent: Math.min(100, round1(cpu)), memoryMb: round1(mem) }
  })
}

/** watchProcesses samples every process and summarises the watched patterns (null on failure). */
export async function watchProcesses(patterns: string[]): Promise<WatchedProcess[] | null> {
  if (patterns.length === 0) return []
  try {
    return summarizeWatch(await allProcesses(false, watchSampler), patterns)
  } catch {
    return null
  }
}

// ---- kill ----

export class KillRefused extends Error {}

/** descendants lists the PIDs below `pid` in the tree (children first, deepest last). */
export function descendants(rows: Pick<ProcRow, 'pid' | 'ppid'>[], pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const r of rows) if (r.ppid !== null) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r.pid])
  const out: number[] = []
  const queue = [...(children.get(pid) ?? [])]
  const seen = new Set([pid])
  while (queue.length) {
    const p = queue.shift()!
    if (seen.has(p)) continue
    seen.add(p)
    out.push(p)
    queue.push(...(children.get(p) ?? []))
  }
  return out
}

/** ancestors: the PIDs above `pid` (its parent, grandparent…). */
function ancestors(rows: Pick<ProcRow, 'pid' | 'ppid'>[], pid: number): Set<number> {
  const parent = new Map(rows.map((r) => [r.pid, r.ppid]))
  const out = new Set<number>()
  let p = parent.get(pid)
  while (p && !out.has(p)) { out.add(p); p = parent.get(p) ?? null }
  return out
}

const alive = (pid: number) => {
  try {
    if (isLinux) return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** parseTasklist reads `tasklist /FI "PID eq N" /FO CSV /NH` (one CSV line per process; an INFO line when none). */
export function parseTasklist(text: string): { name: string; pid: number }[] {
  const out: { name: string; pid: number }[] = []
  for (const line of text.split(/\r?\n/)) {
    const m = /^"([^"]*)","(\d+)"/.exec(line.trim())
    if (m) out.push({ name: m[1], pid: Number(m[2]) })
  }
  return out
}

async function killWindows(p: ProcessKillPayload): Promise<ProcessKillResult> {
  const found = parseTasklist((await runStatus('tasklist', ['/FI', `PID eq ${p.pid}`, '/FO', 'CSV', '/NH'], 30_000)).out)[0]
  if (!found) throw new KillRefused(`no process ${p.pid} is running`)
  if (p.name && !sameName(found.name, p.name)) throw new KillRefused(`process ${p.pid} is now ${found.name}, not ${p.name}`)
  const res = await runStatus('taskkill', ['/PID', String(p.pid), ...(p.tree ? ['/T'] : []), '/F'], 60_000)
  const still = parseTasklist((await runStatus('tasklist', ['/FI', `PID eq ${p.pid}`, '/FO', 'CSV', '/NH'], 30_000)).out).length > 0
  if (res.code !== 0 && still) throw new Error(res.out.trim().slice(0, 500) || `taskkill exited with ${res.code}`)
  return { pid: p.pid, name: found.name, killed: [p.pid], survivors: still ? [p.pid] : [] }
}

const sameName = (a: string, b: string) => a.replace(/\.exe$/i, '').toLowerCase() === b.replace(/\.exe$/i, '').toLowerCase()

/**
 * killProcess ends a process (and with `tree` its descendants): SIGTERM, up to `graceMs` to
 * exit, then SIGKILL. Refuses PID 1, the agent itself and (for a tree) the agent's own
 * ancestors, and a PID that now belongs to another program.
 */
export async function killProcess(p: ProcessKillPayload, graceMs = 5_000): Promise<ProcessKillResult> {
  if (p.pid <= 1) throw new KillRefused('refusing to kill PID 1')
  if (p.pid === process.pid) throw new KillRefused('refusing to kill the Breeze agent itself')
  if (isWindows) return killWindows(p)
  const rows = await allProcesses(false)
  const target = rows.find((r) => r.pid === p.pid)
  if (!target) throw new KillRefused(`no process ${p.pid} is running`)
  if (p.name && !sameName(target.name, p.name)) throw new KillRefused(`process ${p.pid} is now ${target.name}, not ${p.name}`)
  if (p.tree && ancestors(rows, process.pid).has(p.pid)) throw new KillRefused('refusing to kill a tree that holds the Breeze agent')
  // Children first, so a parent cannot respawn them; the root last.
  const pids = p.tree ? [...descendants(rows, p.pid).filter((x) => x !== process.pid).reverse(), p.pid] : [p.pid]
  const signal = (sig: NodeJS.Signals) => { for (const pid of pids) { try { process.kill(pid, sig) } catch {} } }
  signal('SIGTERM')
  const until = Date.now() + graceMs
  while (Date.now() < until && pids.some(alive)) await Bun.sleep(50)
  if (pids.some(alive)) {
    signal('SIGKILL')
    const hard = Date.now() + 2_000
    while (Date.now() < hard && pids.some(alive)) await Bun.sleep(50)
  }
  return { pid: p.pid, name: target.name, killed: pids, survivors: pids.filter(alive) }
}
