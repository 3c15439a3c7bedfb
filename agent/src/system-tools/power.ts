// Power actions: reboot or shut down now, after a warning, or not at all when the logged-in user
// defers or no reboot is pending. Which commands run comes from the machine's own config.json
// (`power.reboot`, `power.shutdown`, `power.notify`, `power.prompt`), else the OS's own: a signed
// command says "reboot", the endpoint's administrator says how (tests point it at a recorder).
//
// The order: check "only if pending"; tell the logged-in users (wall, msg, a macOS notification);
// offer a deferral when the payload allows one and there is a way to ask; wait the warning time
// (cancelling the command stops it here); report; then run the power command (after the report
// has gone out: the machine may be gone a second later).
import { existsSync } from 'node:fs'
import type { PowerAction, PowerPayload, PowerResult } from '../../../src/protocol'
import { run, runDetached, runStatus } from '../collectors/exec'
import * as linux from '../collectors/linux'
import { pendingReboot } from '../collectors/metrics'
import { log } from '../log'
import { settings } from '../settings'

type Env = Record<string, string>

const cut = (s: string, n = 4000) => (s.length > n ? s.slice(0, n) : s)

/** defaultPowerCommand is the OS's own reboot / shutdown. */
export function defaultPowerCommand(action: PowerAction, platform = process.platform, systemd = existsSync('/run/systemd/system')): string[] {
  if (platform === 'win32') return ['shutdown.exe', action === 'reboot' ? '/r' : '/s', '/t', '0']
  if (platform === 'darwin') return ['shutdown', action === 'reboot' ? '-r' : '-h', 'now']
  if (systemd) return ['systemctl', action === 'reboot' ? 'reboot' : 'poweroff']
  return ['shutdown', action === 'reboot' ? '-r' : '-h', 'now']
}

/** powerCommand: config.json's command for the action, else the OS's own. */
export function powerCommand(action: PowerAction): string[] {
  return settings().power?.[action] ?? defaultPowerCommand(action)
}

/** The console user of a Mac (the one who sees dialogs) and its uid, or null. */
async function macConsoleUser(): Promise<{ uid: string } | null> {
  const uid = (await run('stat', ['-f', '%u', '/dev/console'], 5_000))?.trim()
  return uid && uid !== '0' ? { uid } : null
}

/** loggedInUsers: who is signed in now (who saw the message). */
async function loggedInUsers(): Promise<string[]> {
  if (process.platform === 'linux') return linux.loggedInUsers()
  const si = (await import('systeminformation')).default
  return [...new Set((await si.users().catch(() => [])).map((u) => u.user).filter(Boolean))]
}

/** notifyUsers shows the message to the logged-in users: config.json's `power.notify`, else wall / msg / a macOS notification. */
async function notifyUsers(text: string, env: Env): Promise<string> {
  const custom = settings().power?.notify
  if (custom) {
    const r = await runStatus(custom[0], custom.slice(1), 30_000, { ...env, BREEZE_POWER_TEXT: text })
    return r.code === 0 ? '' : `notify exited with ${r.code}: ${cut(r.out, 500)}`
  }
  if (process.platform === 'win32') {
    const r = await runStatus('msg', ['*', '/TIME:300', text], 30_000)
    return r.code === 0 ? '' : `msg: ${cut(r.out, 500)}`
  }
  if (process.platform === 'darwin') {
    const user = await macConsoleUser()
    if (!user) return ''
    const r = await runStatus('launchctl', ['asuser', user.uid, 'osascript', '-e', 'on run argv', '-e', 'display notification (item 1 of argv) with title "Breeze"', '-e', 'end run', text], 30_000)
    return r.code === 0 ? '' : `osascript: ${cut(r.out, 500)}`
  }
  const r = await runStatus('wall', [text], 30_000)
  return r.code === 0 ? '' : `wall: ${cut(r.out, 500)}`
}

/**
 * askToDefer asks the logged-in user whether to go ahead or defer: config.json's `power.prompt`
 * (prints "defer" to defer), else a dialog on macOS. null: no way to ask on this system.
 */
async function askToDefer(p: PowerPayload, env: Env, signal: AbortSignal): Promise<{ defer: boolean; output: string } | null> {
  const custom = settings().power?.prompt
  let argv: string[] | null = custom ?? null
  if (!argv && process.platform === 'darwin') {
    const user = await macConsoleUser()
    if (!user) return null
    argv = ['launchctl', 'asuser', user.uid, 'osascript', '-e', 'on run argv',
      '-e', 'button returned of (display dialog (item 1 of argv) with title "Breeze" buttons {"Defer " & (item 3 of argv) & " min", "Go ahead"} default button 2 giving up after (item 2 of argv as integer))',
      '-e', 'end run', env.BREEZE_POWER_MESSAGE || 'Your administrator asks to restart this computer.', String(p.promptSeconds), String(p.deferMinutes)]
  }
  if (!argv) return null
  if (signal.aborted) throw new Error('cancelled')
  const r = await runStatus(argv[0], argv.slice(1), p.promptSeconds * 1000, env)
  // note: no answer before promptSeconds (killed: code null) means go ahead, like a dialog that gives up.
  return { defer: r.code !== null && /\bdefer\b/i.test(r.out), output: r.code === null ? 'no answer: going ahead' : '' }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'))
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = () => { clearTimeout(timer); reject(new Error('cancelled')) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

const minutes = (s: number) => (s % 60 === 0 ? `${s / 60} minute${s === 60 ? '' : 's'}` : `${s} seconds`)

/** userText is what the logged-in users read: the technician's message and when it happens. */
export function userText(action: PowerAction, p: PowerPayload): string {
  const when = p.delaySeconds > 0 ? `in ${minutes(p.delaySeconds)}` : 'now'
  const what = `This computer will ${action === 'reboot' ? 'restart' : 'shut down'} ${when}.`
  return p.message.trim() ? `${p.message.trim()}\n\n${what}` : what
}

/**
 * preparePower does everything before the power command itself and says what happens next;
 * `runAfter` (set when the outcome is done) runs the power command and is called after the report.
 */
export async function preparePower(action: PowerAction, p: PowerPayload, signal: AbortSignal): Promise<{ result: PowerResult; runAfter: (() => Promise<void>) | null } | { failed: string }> {
  const command = powerCommand(action)
  const users = (await loggedInUsers()).slice(0, 256)
  const base = { command, users }
  if (action === 'reboot' && p.onlyIfPending && !(await pendingReboot(true))) return { result: { ...base, outcome: 'not_needed', output: 'no reboot pending' }, runAfter: null }
  if (!Bun.which(command[0])) return { failed: `the ${action} command ${command[0]} was not found` }
  const env: Env = {
    BREEZE_POWER_ACTION: action, BREEZE_POWER_MESSAGE: p.message, BREEZE_POWER_DELAY_SECONDS: String(p.delaySeconds),
    BREEZE_DEFER_MINUTES: String(p.deferMinutes), BREEZE_PROMPT_SECONDS: String(p.promptSeconds), BREEZE_DEFERRALS_LEFT: String(p.deferralsLeft),
  }
  const notes: string[] = []
  // Nobody signed in: nobody to tell or to ask (a configured notify still runs: it may log or page).
  if (users.length > 0 || settings().power?.notify) {
    const said = await notifyUsers(userText(action, p), env)
    if (said) notes.push(said)
  }
  if (p.deferralsLeft > 0 && (users.length > 0 || settings().power?.prompt)) {
    const asked = await askToDefer(p, env, signal)
    if (!asked) notes.push('no way to ask the user on this system: going ahead without a deferral choice')
    else if (asked.defer) return { result: { ...base, outcome: 'deferred', output: notes.join('\n') }, runAfter: null }
    else if (asked.output) notes.push(asked.output)
  }
  if (p.delaySeconds > 0) await sleep(p.delaySeconds * 1000, signal)
  return {
    result: { ...base, outcome: 'done', output: cut(notes.join('\n')) },
    runAfter: async () => {
      log.info(`power: running the ${action} command`, { command })
      const r = await runDetached(command[0], command.slice(1), { timeoutMs: 60_000, env })
      if (r.code !== 0) log.error(`power: the ${action} command failed`, { command, code: r.code, output: cut(r.out, 2000) })
    },
  }
}
