// Local settings an administrator of the endpoint may set in `config.json` beside the agent's
// identity (all optional): which commands power actions run, where init scripts and syslog
// files are, how often services are watched. The server cannot change them: a signed command
// says "reboot", this file says how this machine reboots (tests point it at a recorder).
import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { log } from './log'

const argv = T.Array(T.String({ minLength: 1 }), { minItems: 1, maxItems: 64 })

export const settingsSchema = T.Object({
  power: T.Optional(T.Object({
    /**
     * The command that reboots / shuts down, instead of the OS's own (`systemctl reboot` /
     * `poweroff`, `shutdown -r now` / `-h now` without systemd and on macOS, `shutdown.exe /r /t 0` /
     * `/s /t 0`). It runs after the warning time; it gets BREEZE_POWER_ACTION,
     * BREEZE_POWER_MESSAGE and BREEZE_POWER_DELAY_SECONDS in its environment.
     */
    reboot: T.Optional(argv),
    shutdown: T.Optional(argv),
    /**
     * Asks the logged-in user whether to go ahead or defer; prints `defer` to defer. Gets the
     * same variables plus BREEZE_DEFER_MINUTES and BREEZE_PROMPT_SECONDS.
     */
    prompt: T.Optional(argv),
    /**
     * Shows the message to the logged-in users instead of the OS's own (`wall`, `msg *`, a
     * notification on macOS). Gets the same variables and BREEZE_POWER_TEXT, the whole text
     * the users should read (the message and when it happens).
     */
    notify: T.Optional(argv),
  }, { additionalProperties: false })),
  /** Folders of SysV init scripts where PID 1 is not systemd (default /etc/init.d). */
  initScriptDirs: T.Optional(T.Array(T.String({ minLength: 1 }), { maxItems: 16 })),
  /** Plain-text syslog files read when journald is not running (default /var/log/syslog, /var/log/messages). */
  syslogFiles: T.Optional(T.Array(T.String({ minLength: 1 }), { maxItems: 32 })),
  /** How often services are checked for changes (default 30 s; 0 turns the watch off). */
  serviceWatchSeconds: T.Optional(T.Integer({ minimum: 0, maximum: 3600 })),
  /** Patch management (patch.scan / patch.install). */
  patching: T.Optional(T.Object({
    /**
     * Extra arguments for every apt-get call, e.g. `["-o", "Dir::Etc::sourcelist=/srv/mirror.list",
     * "-o", "Dir::Etc::sourceparts=-"]` to use a local mirror only (tests point apt at a temporary repository).
     */
    aptOptions: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 1000 }), { maxItems: 64 })),
    /** How often a package-manager lock held by another process is waited for before giving up (default 10). */
    lockRetries: T.Optional(T.Integer({ minimum: 0, maximum: 100 })),
    /** Seconds between those tries (default 30). */
    lockRetrySeconds: T.Optional(T.Integer({ minimum: 1, maximum: 600 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
export type AgentSettings = Static<typeof settingsSchema>

let configDir: string | null = null
let cache: { mtimeMs: number; settings: AgentSettings } | null = null

/** useConfigDir tells the settings where the agent's config directory is (main.ts, once). */
export function useConfigDir(dir: string) {
  configDir = dir
  cache = null
}

export const settingsFile = (dir: string) => path.join(dir, 'config.json')

/** settings reads config.json (again when it changed); an unreadable or invalid file counts as empty, with a warning. */
export function settings(): AgentSettings {
  if (!configDir) return {}
  const file = settingsFile(configDir)
  if (!existsSync(file)) return (cache = null), {}
  const mtimeMs = statSync(file).mtimeMs
  if (cache && cache.mtimeMs === mtimeMs) return cache.settings
  let parsed: unknown
  try { parsed = JSON.parse(readFileSync(file, 'utf8')) } catch (err) {
    log.warn('config.json is not valid JSON; ignoring it', { file, err })
    return {}
  }
  if (!Value.Check(settingsSchema, parsed)) {
    const first = [...Value.Errors(settingsSchema, parsed)][0]
    log.warn('config.json has an invalid setting; ignoring the file', { file, path: first?.path, message: first?.message })
    return {}
  }
  cache = { mtimeMs, settings: parsed }
  return parsed
}
