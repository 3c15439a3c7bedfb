// The agent's configuration: the one place that reads the environment, where the config
// directory is, and the enrolled identity stored in it with owner-only permissions.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const env = {
  configDir: process.env.BREEZE_AGENT_CONFIG_DIR ?? null,
  /** Overrides the machine identity (tests and labs running several agents on one machine). */
  hardwareId: process.env.BREEZE_AGENT_HARDWARE_ID ?? null,
  logLevel: process.env.BREEZE_AGENT_LOG_LEVEL ?? 'info',
  /** Set by systemd for services: exiting is enough to be restarted. */
  underSystemd: !!process.env.INVOCATION_ID,
  programData: process.env.ProgramData ?? 'C:\\ProgramData',
  programFiles: process.env.ProgramFiles ?? 'C:\\Program Files',
  /** How long a freshly updated agent has to reach the server before it is rolled back. */
  updateTrialSeconds: Number(process.env.BREEZE_AGENT_UPDATE_TRIAL_SECONDS ?? 120),
  /** Where `install` puts the executable (the install script passes it on). */
  installDir: process.env.BREEZE_INSTALL_DIR ?? null,
  /** Where `install` registers services (tests point these at a scratch folder). */
  systemdDir: process.env.BREEZE_AGENT_SYSTEMD_DIR ?? '/etc/systemd/system',
  launchdDir: process.env.BREEZE_AGENT_LAUNCHD_DIR ?? '/Library/LaunchDaemons',
}

/** inheritedEnvironment: the agent's environment, which the scripts it runs start from. */
export function inheritedEnvironment(): Record<string, string | undefined> {
  return { ...process.env }
}

/** defaultConfigDir: /etc/breeze, or %ProgramData%\Breeze on Windows. */
export function defaultConfigDir(): string {
  return process.platform === 'win32' ? path.join(env.programData, 'Breeze') : '/etc/breeze'
}

/** resolveConfigDir: --config-dir, then BREEZE_AGENT_CONFIG_DIR, then the default. */
export function resolveConfigDir(flag?: string): string {
  return path.resolve(flag ?? env.configDir ?? defaultConfigDir())
}

/** What enrollment gave this agent. */
export type Identity = {
  serverUrl: string
  deviceId: string
  agentId: string
  secret: string
  /** The server's Ed25519 public key (base64 raw), pinned at enrollment. */
  serverPublicKey: string
  heartbeatSeconds: number
  orgId: string
  siteId: string
  enrolledAt: number
}

export const identityFile = (dir: string) => path.join(dir, 'agent.json')

export function ensureConfigDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') chmodSync(dir, 0o700)
}

/** writePrivate writes a file readable by its owner only, atomically. */
export function writePrivate(file: string, content: string) {
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, content, { mode: 0o600 })
  if (process.platform !== 'win32') chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

export function loadIdentity(dir: string): Identity | null {
  const file = identityFile(dir)
  if (!existsSync(file)) return null
  return JSON.parse(readFileSync(file, 'utf8')) as Identity
}

export function saveIdentity(dir: string, identity: Identity) {
  ensureConfigDir(dir)
  writePrivate(identityFile(dir), JSON.stringify(identity, null, 2) + '\n')
}
