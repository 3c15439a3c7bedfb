// Reading the machine's event log for the device page: journald (`journalctl -o json`), plain
// syslog files where journald is not running, the Windows Event Log (`Get-WinEvent
// -FilterHashtable`, as JSON) and the macOS unified log (`log show --style json --predicate`).
// Newest entries first, filtered by level, source, time and text, one page at a time. Every
// read is bounded: a tool runs at most `toolTimeoutMs` and its output is cut at `maxToolBytes`;
// a syslog file is read from its end, at most `maxFileBytes`. User text reaches the tools as
// arguments (PowerShell: environment variables), never spliced into a command line.
import { existsSync, openSync, readSync, closeSync, fstatSync } from 'node:fs'
import { capText, caps, type EventLevel, type EventLogEntry, type EventLogQueryPayload, type EventLogQueryResult } from '../../../src/protocol'
import { inheritedEnvironment } from '../../config'
import { settings } from '../settings'

export const toolTimeoutMs = 20_000
export const maxToolBytes = 32 << 20
export const maxFileBytes = 32 << 20
export const defaultSyslogFiles = ['/var/log/syslog', '/var/log/messages']

const severity: Record<EventLevel, number> = { critical: 0, error: 1, warning: 2, info: 3, verbose: 4 }

/** atLeast: is `level` the asked level or worse? An entry without a level passes only info and verbose. */
export function atLeast(level: EventLevel | null, wanted: EventLevel | undefined): boolean {
  if (!wanted) return true
  if (level === null) return severity[wanted] >= severity.info
  return severity[level] <= severity[wanted]
}

const message = (s: unknown) => capText(s, 4096) ?? ''

// ---- paging: newest first; a cursor is `<time>.<entries at that time already shown>` ----

export type Cursor = { time: number; seen: number }
export const parseCursor = (c: string | undefined): Cursor | null => (c ? { time: Number(c.split('.')[0]), seen: Number(c.split('.')[1]) } : null)

/**
 * page takes entries sorted newest first (those after the cursor already dropped by time, the
 * cursor's own time included), skips the ones the previous page showed, and returns `limit`
 * of them with the cursor of the next page (null when none is left in what was read).
 */
export function page(entries: EventLogEntry[], limit: number, cursor: Cursor | null): { entries: EventLogEntry[]; nextCursor: string | null } {
  let rest = entries
  if (cursor) {
    rest = entries.filter((e) => e.time <= cursor.time)
    let skip = cursor.seen
    rest = rest.filter((e) => !(e.time === cursor.time && skip-- > 0))
  }
  const shown = rest.slice(0, limit)
  if (rest.length <= limit || shown.length === 0) return { entries: shown, nextCursor: null }
  const last = shown[shown.length - 1].time
  const atLast = shown.filter((e) => e.time === last).length + (cursor && cursor.time === last ? cursor.seen : 0)
  return { entries: shown, nextCursor: `${last}.${atLast}` }
}

/** newestFirst sorts by time, newest first, keeping the reading order among equal times reversed (later lines first). */
export function newestFirst(entries: EventLogEntry[]): EventLogEntry[] {
  return entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.time - a.e.time || b.i - a.i).map((x) => x.e)
}

const includes = (text: string | null, q: string | undefined) => !q || (text ?? '').toLowerCase().includes(q.toLowerCase())

/** filterEntries applies what the tools could not filter themselves. */
export function filterEntries(entries: EventLogEntry[], p: Pick<EventLogQueryPayload, 'level' | 'source' | 'q' | 'since' | 'until'>): EventLogEntry[] {
  return entries.filter((e) => atLeast(e.level, p.level) && (!p.source || (e.source ?? '').toLowerCase() === p.source.toLowerCase()) && includes(e.message, p.q)
    && (p.since === undefined || e.time >= p.since) && (p.until === undefined || e.time <= p.until))
}

// ---- running a tool with bounds ----

/** runBounded runs a tool, keeping at most `maxBytes` of its output; killed at the timeout or once the cap is reached. */
export async function runBounded(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; maxBytes?: number } = {}): Promise<{ code: number | null; out: string; err: string; cut: boolean }> {
  const max = opts.maxBytes ?? maxToolBytes
  let proc: ReturnType<typeof Bun.spawn>
  try {
    proc = Bun.spawn([cmd, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', windowsHide: true, env: opts.env ? { ...inheritedEnvironment(), ...opts.env } : undefined })
  } catch (err) {
    return { code: null, out: '', err: (err as Error).message, cut: false }
  }
  let cut = false
  const timer = setTimeout(() => { cut = true; proc.kill('SIGKILL') }, opts.timeoutMs ?? toolTimeoutMs)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const errText = new Response(proc.stderr as ReadableStream).text()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
      if (size >= max) { cut = true; proc.kill('SIGKILL'); break }
    }
  } catch {}
  const code = await proc.exited
  clearTimeout(timer)
  const out = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max))
  return { code: cut ? null : code, out, err: (await errText.catch(() => '')).slice(0, 2000), cut }
}

// ---- journald ----

/** journaldRunning: journald's socket exists (the daemon is up), and journalctl is installed. */
export const journaldRunning = () => existsSync('/run/systemd/journal/socket') && !!Bun.which('journalctl')

const journalPriority: EventLevel[] = ['critical', 'critical', 'critical', 'error', 'warning', 'info', 'info', 'verbose']
const priorityOf: Record<EventLevel, number> = { critical: 2, error: 3, warning: 4, info: 6, verbose: 7 }

/** journalText: MESSAGE may be a string, or bytes (an array of numbers) when it is not valid UTF-8. */
function journalText(v: unknown): string {
  if (Array.isArray(v)) return new TextDecoder().decode(Uint8Array.from(v.filter((n) => typeof n === 'number')))
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)
}

/** parseJournal reads `journalctl -o json` output (one JSON object per line). */
export function parseJournal(text: string): EventLogEntry[] {
  const out: EventLogEntry[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let r: Record<string, unknown>
    try { r = JSON.parse(line) } catch { continue }
    const micros = Number(r.__REALTIME_TIMESTAMP)
    if (!Number.isFinite(micros)) continue
    const prio = Number(r.PRIORITY)
    out.push({
      time: Math.floor(micros / 1000),
      level: Number.isInteger(prio) && prio >= 0 && prio <= 7 ? journalPriority[prio] : null,
      source: capText(r.SYSLOG_IDENTIFIER ?? r._SYSTEMD_UNIT ?? r._COMM, caps.name),
      eventId: null,
      message: message(journalText(r.MESSAGE)),
    })
  }
  return out
}

const regexLiteral = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** journalArgs: the journalctl arguments for a query (newest first, at most `count` entries). */
export function journalArgs(p: EventLogQueryPayload, count: number, until: number | undefined): string[] {
  const args = ['-o', 'json', '--no-pager', '-r', '-n', String(count)]
  if (p.level) args.push('-p', `0..${priorityOf[p.level]}`)
  if (p.since !== undefined) args.push(`--since=@${(p.since / 1000).toFixed(3)}`)
  // note: +1 ms: entries of the cursor's own millisecond are included (and skipped by count).
  if (until !== undefined) args.push(`--until=@${((until + 1) / 1000).toFixed(3)}`)
  if (p.source) args.push('-t', p.source)
  if (p.q) args.push('--case-sensitive=false', '-g', regexLiteral(p.q))
  return args
}

async function queryJournal(p: EventLogQueryPayload, cursor: Cursor | null): Promise<{ entries: EventLogEntry[]; partial: boolean }> {
  const until = Math.min(p.until ?? Infinity, cursor?.time ?? Infinity)
  const count = p.limit + (cursor?.seen ?? 0) + 1
  const r = await runBounded('journalctl', journalArgs(p, count, Number.isFinite(until) ? until : undefined))
  if (r.code !== 0 && r.code !== 1 && !r.out) throw new Error(`journalctl failed: ${r.err.trim() || `exit ${r.code}`}`)
  return { entries: filterEntries(parseJournal(r.out), { ...p, q: undefined, source: undefined }), partial: r.cut }
}

// ---- syslog files ----

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const rfc3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+(\S+)\s+(.*)$/
const bsd = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\S+)\s+(.*)$/
const tagged = /^([^\s:[]+)(?:\[(\d+)\])?:\s?([\s\S]*)$/

/**
 * parseSyslogLine reads one line of a syslog file: RFC 3339 stamps (rsyslog's default on
 * Debian 12) or the traditional `Dec  7 19:52:28` (local time, the year guessed: this year, or
 * last year for a date in the future). Plain files carry no level.
 */
export function parseSyslogLine(line: string, now = Date.now()): EventLogEntry | null {
  let time: number
  let rest: string
  const a = rfc3339.exec(line)
  if (a) {
    time = Date.parse(a[1])
    rest = a[3]
  } else {
    const b = bsd.exec(line)
    if (!b) return null
    const month = months.indexOf(b[1])
    if (month < 0) return null
    const year = new Date(now).getFullYear()
    const at = (y: number) => new Date(y, month, Number(b[2]), Number(b[3]), Number(b[4]), Number(b[5])).getTime()
    time = at(year) > now + 86_400_000 ? at(year - 1) : at(year)
    rest = b[7]
  }
  if (!Number.isFinite(time)) return null
  const t = tagged.exec(rest)
  return { time, level: null, source: t ? capText(t[1], caps.name) : null, eventId: null, message: message(t ? t[3] : rest) }
}

/** tailLines reads the last `maxBytes` of a file as lines (the first, partial line dropped when the read did not start at 0). */
export function tailLines(file: string, maxBytes = maxFileBytes): { lines: string[]; cut: boolean } {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const start = Math.max(0, size - maxBytes)
    const buf = Buffer.alloc(size - start)
    let read = 0
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, start + read)
      if (n <= 0) break
      read += n
    }
    const lines = buf.subarray(0, read).toString('utf8').split('\n')
    if (start > 0) lines.shift()
    return { lines: lines.filter((l) => l.length > 0), cut: start > 0 }
  } finally {
    closeSync(fd)
  }
}

export const syslogFiles = () => (settings().syslogFiles ?? defaultSyslogFiles).filter((f) => existsSync(f))

function querySyslog(p: EventLogQueryPayload): { entries: EventLogEntry[]; partial: boolean } {
  const files = syslogFiles()
  if (files.length === 0) throw new Error(`no syslog file to read (looked at ${(settings().syslogFiles ?? defaultSyslogFiles).join(', ')}; set syslogFiles in the agent's config.json)`)
  const entries: EventLogEntry[] = []
  let partial = false
  const now = Date.now()
  for (const file of files) {
    const { lines, cut } = tailLines(file)
    partial ||= cut
    for (const line of lines) {
      const e = parseSyslogLine(line, now)
      if (e) entries.push(e)
    }
  }
  return { entries: filterEntries(newestFirst(entries), p), partial }
}

// ---- Windows ----

/** The Windows query: filters from environment variables (never spliced into the script), results as JSON with epoch-ms times. */
export const winEventScript = `
$ErrorActionPreference = 'Stop'
$h = @{ LogName = $env:BREEZE_LOG }
if ($env:BREEZE_LEVELS) { $h.Level = [int[]]($env:BREEZE_LEVELS -split ',') }
if ($env:BREEZE_SOURCE) { $h.ProviderName = $env:BREEZE_SOURCE }
if ($env:BREEZE_SINCE) { $h.StartTime = [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$env:BREEZE_SINCE).LocalDateTime }
if ($env:BREEZE_UNTIL) { $h.EndTime = [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$env:BREEZE_UNTIL).LocalDateTime }
$q = $env:BREEZE_Q
$n = [int]$env:BREEZE_COUNT
try {
  $events = Get-WinEvent -FilterHashtable $h -ErrorAction Stop | Where-Object { -not $q -or ($_.Message -and $_.Message.IndexOf($q, [StringComparison]::OrdinalIgnoreCase) -ge 0) } | Select-Object -First $n
} catch [Exception] {
  if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { $events = @() } else { throw }
}
$logs = @(Get-WinEvent -ListLog Application,System,Security,Setup -ErrorAction SilentlyContinue | ForEach-Object { $_.LogName })
$out = @($events | ForEach-Object {
  [pscustomobject]@{
    TimeCreated = [DateTimeOffset]::new($_.TimeCreated).ToUnixTimeMilliseconds()
    Id = $_.Id
    Level = [int]$_.Level
    ProviderName = $_.ProviderName
    Message = $_.Message
  }
})
ConvertTo-Json -InputObject @{ logs = $logs; events = $out } -Depth 3 -Compress
`

const windowsLevel: Record<number, EventLevel> = { 0: 'info', 1: 'critical', 2: 'error', 3: 'warning', 4: 'info', 5: 'verbose' }
const windowsLevels: Record<EventLevel, string> = { critical: '1', error: '1,2', warning: '1,2,3', info: '0,1,2,3,4', verbose: '0,1,2,3,4,5' }

/** windowsTime reads a time as the script writes it (epoch ms), or as ConvertTo-Json writes a DateTime (`/Date(ms)/` in PowerShell 5.1, ISO text in 7). */
function windowsTime(v: unknown): number {
  if (typeof v === 'number') return v
  const s = String(v ?? '')
  const m = /\/Date\((-?\d+)/.exec(s)
  return m ? Number(m[1]) : Date.parse(s)
}

/** parseWinEvents reads the script's JSON ({ logs, events }; a lone event may come as an object, not an array). */
export function parseWinEvents(text: string): { logs: string[]; entries: EventLogEntry[] } {
  const data = JSON.parse(text.replace(/^\uFEFF/, '')) as { logs?: unknown; events?: unknown }
  const list = (v: unknown) => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v])
  const entries: EventLogEntry[] = []
  for (const e of list(data.events) as Record<string, unknown>[]) {
    const time = windowsTime(e.TimeCreated)
    if (!Number.isFinite(time)) continue
    const level = Number(e.Level)
    entries.push({ time, level: windowsLevel[level] ?? null, source: capText(e.ProviderName, caps.name), eventId: Number.isInteger(e.Id) ? (e.Id as number) : null, message: message(e.Message) })
  }
  return { logs: (list(data.logs) as unknown[]).map(String).slice(0, 64), entries }
}

async function queryWindows(p: EventLogQueryPayload, log: string, cursor: Cursor | null): Promise<{ logs: string[]; entries: EventLogEntry[]; partial: boolean }> {
  const until = Math.min(p.until ?? Infinity, cursor?.time ?? Infinity)
  const env: Record<string, string> = { BREEZE_LOG: log, BREEZE_COUNT: String(p.limit + (cursor?.seen ?? 0) + 1) }
  if (p.level) env.BREEZE_LEVELS = windowsLevels[p.level]
  if (p.source) env.BREEZE_SOURCE = p.source
  if (p.since !== undefined) env.BREEZE_SINCE = String(Math.floor(p.since))
  // note: EndTime is inclusive to the millisecond; entries of the cursor's own millisecond are skipped by count.
  if (Number.isFinite(until)) env.BREEZE_UNTIL = String(Math.floor(until) + 1)
  if (p.q) env.BREEZE_Q = p.q
  const shell = Bun.which('powershell.exe') ?? Bun.which('pwsh.exe') ?? 'powershell.exe'
  const r = await runBounded(shell, ['-NoProfile', '-NonInteractive', '-Command', winEventScript], { env })
  if (r.code !== 0) throw new Error(`Get-WinEvent failed: ${(r.err || r.out).trim().slice(0, 500) || `exit ${r.code}`}`)
  const parsed = parseWinEvents(r.out)
  return { logs: parsed.logs, entries: filterEntries(parsed.entries, { since: p.since, until: Number.isFinite(until) ? until : undefined }), partial: r.cut }
}

// ---- macOS ----

const macLevel: Record<string, EventLevel> = { fault: 'critical', error: 'error', default: 'info', info: 'info', debug: 'verbose' }
const predicateText = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/** macPredicate: the `log show --predicate` for a query (levels, source as process or subsystem, text). */
export function macPredicate(p: Pick<EventLogQueryPayload, 'level' | 'source' | 'q'>): string | null {
  const parts: string[] = []
  if (p.level === 'critical') parts.push('messageType == fault')
  else if (p.level === 'error' || p.level === 'warning') parts.push('(messageType == error OR messageType == fault)')
  else if (p.level === 'info') parts.push('messageType != debug')
  if (p.source) parts.push(`(process == ${predicateText(p.source)} OR subsystem == ${predicateText(p.source)})`)
  if (p.q) parts.push(`eventMessage CONTAINS[c] ${predicateText(p.q)}`)
  return parts.length ? parts.join(' AND ') : null
}

/** macTime reads `log show`'s "2024-01-15 10:23:45.123456-0800". */
function macTime(s: unknown): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2})(\d{2})$/.exec(String(s ?? ''))
  if (!m) return Date.parse(String(s ?? ''))
  return Date.parse(`${m[1]}T${m[2]}${(m[3] ?? '').slice(0, 4)}${m[4]}:${m[5]}`)
}

/** parseMacLog reads `log show --style json` output (a JSON array, possibly cut short). */
export function parseMacLog(text: string): EventLogEntry[] {
  let list: Record<string, unknown>[]
  try {
    list = JSON.parse(text)
  } catch {
    // Output cut at the size budget: keep the complete objects before the cut.
    const end = text.lastIndexOf('\n},')
    try { list = end > 0 ? JSON.parse(`${text.slice(0, end + 2)}]`) : [] } catch { list = [] }
  }
  const out: EventLogEntry[] = []
  for (const r of Array.isArray(list) ? list : []) {
    const time = macTime(r.timestamp)
    if (!Number.isFinite(time)) continue
    const proc = typeof r.processImagePath === 'string' ? r.processImagePath.split('/').pop() : null
    out.push({ time, level: macLevel[String(r.messageType ?? '').toLowerCase()] ?? null, source: capText(r.subsystem || proc, caps.name), eventId: null, message: message(r.eventMessage) })
  }
  return out
}

const macStamp = (ms: number) => {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

async function queryMac(p: EventLogQueryPayload, cursor: Cursor | null): Promise<{ entries: EventLogEntry[]; partial: boolean }> {
  const until = Math.min(p.until ?? Infinity, cursor?.time ?? Infinity, Date.now())
  const since = p.since ?? until - 24 * 3_600_000
  const predicate = macPredicate(p)
  // note: `log show` prints oldest first and a day of the unified log is large: read back from `until` an hour, then wider, until enough entries or the start.
  let span = 3_600_000
  let entries: EventLogEntry[] = []
  let partial = false
  for (let i = 0; i < 5; i++) {
    const start = Math.max(since, until - span)
    const args = ['show', '--style', 'json', '--start', macStamp(start), '--end', macStamp(until + 1000)]
    if (!p.level || p.level === 'verbose') args.push('--info', '--debug')
    else if (p.level === 'info') args.push('--info')
    if (predicate) args.push('--predicate', predicate)
    const r = await runBounded('/usr/bin/log', args)
    if (r.code !== 0 && !r.out) throw new Error(`log show failed: ${r.err.trim() || `exit ${r.code}`}`)
    entries = newestFirst(filterEntries(parseMacLog(r.out), { since, until }))
    partial = r.cut
    if (r.cut || entries.length > p.limit + (cursor?.seen ?? 0) || start <= since) break
    span *= 4
  }
  return { entries, partial }
}

// ---- the query ----

/** logsHere: the logs this machine offers, the default first. */
export function logsHere(): string[] {
  if (process.platform === 'win32') return ['System', 'Application', 'Security', 'Setup']
  if (process.platform === 'darwin') return ['unified']
  return [...(journaldRunning() ? ['journal'] : []), ...(syslogFiles().length ? ['syslog'] : [])]
}

/** queryEventLog answers `eventlog.query`. */
export async function queryEventLog(p: EventLogQueryPayload): Promise<EventLogQueryResult> {
  const cursor = parseCursor(p.cursor)
  let logs = logsHere()
  const log = p.log ?? logs[0] ?? 'syslog'
  let found: { entries: EventLogEntry[]; partial: boolean }
  if (process.platform === 'win32') {
    const r = await queryWindows(p, log, cursor)
    if (r.logs.length) logs = r.logs
    found = r
  } else if (process.platform === 'darwin') {
    if (log !== 'unified') throw new Error(`unknown log "${log}" (this Mac has: unified)`)
    found = await queryMac(p, cursor)
  } else if (log === 'journal') {
    if (!journaldRunning()) throw new Error('journald is not running on this device')
    found = await queryJournal(p, cursor)
  } else if (log === 'syslog') {
    found = querySyslog(p)
  } else {
    throw new Error(`unknown log "${log}" (this device has: ${logs.join(', ') || 'none'})`)
  }
  const { entries, nextCursor } = page(found.entries, p.limit, cursor)
  return { log, logs, entries, nextCursor, partial: found.partial }
}
