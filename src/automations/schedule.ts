// Cron schedules and weekly time windows, in the automation's time zone (croner does the
// calendar work, DST included: a time skipped by a spring-forward runs at the next valid time,
// a repeated hour runs once).
import { Cron } from 'croner'

const zones = new Set(Intl.supportedValuesOf('timeZone'))

/** isTimeZone: an IANA time zone name this runtime knows (UTC included). */
export function isTimeZone(name: string): boolean {
  if (name === 'UTC' || zones.has(name)) return true
  try { new Intl.DateTimeFormat('en', { timeZone: name }); return true } catch { return false }
}

/** checkCron returns why a cron expression is unusable, or null. Five fields: minute hour day month weekday. */
export function checkCron(expr: string): string | null {
  const fields = expr.trim().split(/\s+/)
  if (fields.length !== 5) return `a cron expression has five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"; this one has ${fields.length}`
  try {
    const cron = new Cron(expr.trim(), { paused: true, timezone: 'UTC' })
    if (!cron.nextRun(new Date(Date.UTC(2000, 0, 1)))) return 'this expression never matches a date (e.g. 31 February)'
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern:\s*/, '')
  }
  return null
}

/** nextRuns lists the next `count` fire times strictly after `from` (epoch ms). */
export function nextRuns(expr: string, timezone: string, from: number, count = 5): number[] {
  const cron = new Cron(expr.trim(), { paused: true, timezone })
  return cron.nextRuns(count, new Date(from)).map((d) => d.getTime())
}

/** nextRun is the first fire time strictly after `from`, or null when there is none. */
export function nextRun(expr: string, timezone: string, from: number): number | null {
  return nextRuns(expr, timezone, from, 1)[0] ?? null
}

/** The preview the editor shows: next five times, in UTC ISO form and local wall time. */
export function cronPreview(expr: string, timezone: string, from: number): { ok: true; next: { at: string; local: string }[] } | { ok: false; error: string } {
  const err = checkCron(expr) ?? (isTimeZone(timezone) ? null : `"${timezone}" is not a time zone`)
  if (err) return { ok: false, error: err }
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })
  return { ok: true, next: nextRuns(expr, timezone, from, 5).map((ms) => ({ at: new Date(ms).toISOString(), local: fmt.format(new Date(ms)) })) }
}

/** localClock: weekday (0 = Sunday) and minutes since midnight at `at` in `timezone`. */
export function localClock(at: number, timezone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'))
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) }
}

/**
 * inTimeWindow: is `at` inside the weekly window? A window whose end is before its start runs
 * past midnight (22:00–06:00); its early-morning part belongs to the previous day's window.
 */
export function inTimeWindow(at: number, w: { days: number[]; from: string; to: string; timezone: string }): boolean {
  const { day, minutes } = localClock(at, w.timezone)
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
  const from = toMin(w.from)
  const to = toMin(w.to)
  if (from < to) return w.days.includes(day) && minutes >= from && minutes < to
  if (minutes >= from) return w.days.includes(day)
  return minutes < to && w.days.includes((day + 6) % 7)
}
