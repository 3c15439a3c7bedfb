// Self-update. When the server offers another build (heartbeat answer or socket), the agent:
//
//  1. downloads it from the server it enrolled with, next to its own executable, and checks
//     the size, the SHA-256 and the server's Ed25519 signature over (platform, version,
//     SHA-256) with the key pinned at enrollment — any mismatch and the file is discarded;
//  2. swaps executables (the running one becomes `<exe>.old`) and writes update.json;
//  3. goes quiet (socket and timers stopped) and starts the new executable, which marks
//     update.json confirmed once the server has greeted it;
//  4. confirmed within the trial window: exits 75 and leaves the new agent running (under a
//     service manager, which restarts the service on the new executable, it stops it first);
//     not confirmed (the new one exited or never connected): kills it, puts the old
//     executable back, remembers the version as failed (the server stops offering it) and
//     resumes as before.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { updateSigningText, type UpgradeInstruction } from '../../src/protocol'
import { env, writePrivate } from '../config'
import { platform } from './collectors/identity'
import { log } from './log'
import type { RunningAgent } from './run'
import { agentVersion } from './version'
import { publicKeyFromRaw, signatureValid } from './verify'

export type UpdateRecord = { from: string; to: string; startedAt: number; status: 'trial' | 'confirmed' }

const updateFile = (configDir: string) => path.join(configDir, 'update.json')

export function readUpdateRecord(configDir: string): UpdateRecord | null {
  try { return JSON.parse(readFileSync(updateFile(configDir), 'utf8')) as UpdateRecord } catch { return null }
}

/** confirmUpdate is called by a freshly started agent once the server greeted it. */
export function confirmUpdate(configDir: string) {
  const record = readUpdateRecord(configDir)
  if (record?.status === 'trial' && record.to === agentVersion) {
    writePrivate(updateFile(configDir), JSON.stringify({ ...record, status: 'confirmed' }))
    log.info('update confirmed', { from: record.from, to: record.to })
  }
}

/** cleanupAfterUpdate removes what an earlier, finished update left (best effort). */
export function cleanupAfterUpdate(configDir: string) {
  const record = readUpdateRecord(configDir)
  if (record?.status === 'trial') return
  if (record) rmSync(updateFile(configDir), { force: true })
  try { rmSync(`${process.execPath}.old`, { force: true }) } catch {}
}

let inProgress = false

/** download fetches the build to `file` and returns its SHA-256 and size. */
async function download(url: string, file: string, signal: AbortSignal): Promise<{ sha256: string; size: number }> {
  const res = await fetch(url, { signal })
  if (!res.ok || !res.body) throw new Error(`download failed: HTTP ${res.status}`)
  const hash = createHash('sha256')
  const writer = Bun.file(file).writer()
  let size = 0
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    hash.update(value)
    size += value.length
    writer.write(value)
  }
  await writer.end()
  return { sha256: hash.digest('hex'), size }
}

/** verifyBuild returns why a downloaded build must not be used, or null. */
export function verifyBuild(u: UpgradeInstruction, got: { sha256: string; size: number }, serverPublicKey: string): string | null {
  if (u.platform !== platform) return `the build is for ${u.platform}, this agent runs on ${platform}`
  if (got.size !== u.size) return `size ${got.size} differs from the announced ${u.size}`
  if (got.sha256 !== u.sha256) return 'the SHA-256 of the download does not match'
  if (!signatureValid(publicKeyFromRaw(serverPublicKey), updateSigningText(u.platform, u.version, u.sha256), u.signature)) return 'the signature does not verify with the pinned server key'
  return null
}

/** applyUpdate runs the whole update; it returns only if the update was refused or rolled back. */
export async function applyUpdate(u: UpgradeInstruction, agent: RunningAgent): Promise<void> {
  if (inProgress || u.version === agentVersion || agent.state.state.failedUpdates.includes(u.version)) return
  inProgress = true
  const exe = process.execPath
  const next = `${exe}.new`
  const old = `${exe}.old`
  try {
    log.info('updating', { from: agentVersion, to: u.version })
    const got = await download(`${agent.identity.serverUrl}${u.url}`, next, AbortSignal.timeout(15 * 60_000))
    const refusal = verifyBuild(u, got, agent.identity.serverPublicKey)
    if (refusal) {
      rmSync(next, { force: true })
      log.error('refusing the update', { version: u.version, reason: refusal })
      return markFailed(agent, u.version)
    }
    chmodSync(next, 0o755)
    renameSync(exe, old)
    renameSync(next, exe)
    writePrivate(updateFile(agent.configDir), JSON.stringify({ from: agentVersion, to: u.version, startedAt: Date.now(), status: 'trial' } satisfies UpdateRecord))
    agent.pause()
    const child = await trial(agent.configDir, exe, u.version)
    if (child) {
      log.info('the new agent is connected; handing over', { version: u.version })
      // A service manager restarts the service on the new executable when this one exits
      // (exit 75); the trial process must not outlive it as a second agent.
      if (agent.underService) child.kill('SIGTERM')
      else child.unref()
      agent.stop(75)
      return
    }
    log.error('the new agent did not connect; rolling back', { version: u.version })
    rmSync(exe, { force: true })
    renameSync(old, exe)
    rmSync(updateFile(agent.configDir), { force: true })
    markFailed(agent, u.version)
    agent.resume()
  } catch (err) {
    // note: a download or file error is not the build's fault: the next offer is tried again.
    log.error('update failed', { err })
    rmSync(next, { force: true })
    if (!existsSync(exe) && existsSync(old)) renameSync(old, exe)
    if (agent.paused) agent.resume()
  } finally {
    inProgress = false
  }
}

function markFailed(agent: RunningAgent, version: string) {
  agent.state.state.failedUpdates = [...agent.state.state.failedUpdates.filter((v) => v !== version), version].slice(-20)
  agent.state.save()
}

/** trial starts the new executable detached and waits for it to confirm; null when it did not (it is killed). */
async function trial(configDir: string, exe: string, version: string): Promise<ChildProcess | null> {
  const child = spawn(exe, ['run', '--config-dir', configDir], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] })
  let exited = false
  child.on('exit', () => { exited = true })
  const until = Date.now() + env.updateTrialSeconds * 1000
  while (Date.now() < until && !exited) {
    const record = readUpdateRecord(configDir)
    if (record?.status === 'confirmed' && record.to === version) return child
    await Bun.sleep(250)
  }
  if (!exited) child.kill('SIGKILL')
  return null
}
