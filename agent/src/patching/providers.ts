// Patch providers: one per package manager. Each says whether it is present on this machine,
// lists the updates it offers (parsed by ./parse) and, where supported, installs named ones,
// streaming the tool's output. A package manager locked by another process (unattended-upgrades,
// a technician's apt) is waited for a bounded number of times, then reported as an error with
// the tool's own message: never as "no updates".
import { existsSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { inheritedEnvironment } from '../../config'
import type { PatchInstallItem, PatchInstallOutcome, PatchSource, ScannedPatch } from '../../../src/protocol/patching'
import { runStatus } from '../collectors/exec'
import { settings } from '../settings'
import { aptLockHeld, parseAptSimulation, parseDnfCheckUpdate, parseDnfUpdateinfo, parseSoftwareUpdate, parseWindowsUpdate, parseWingetUpgrade } from './parse'
import { windowsUpdateScript } from './windows-update'

export type InstallIo = { output(stream: 'stdout' | 'stderr', data: string): Promise<void>; signal: AbortSignal }
export type InstallReport = { results: PatchInstallOutcome[]; exitCode: number | null; outputTail: string }

export type PatchProvider = {
  source: PatchSource
  present(): boolean
  /** scan lists the offered updates; throws ProviderError when the tool failed or stayed locked. */
  scan(opts: { refresh: boolean }): Promise<ScannedPatch[]>
  install?(items: PatchInstallItem[], io: InstallIo): Promise<InstallReport>
}

export class ProviderError extends Error {}

const which = (cmd: string) => Bun.which(cmd) !== null
const patchSettings = () => settings().patching ?? {}
const aptOptions = () => patchSettings().aptOptions ?? []
const aptEnv = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a', LC_ALL: 'C', APT_LISTCHANGES_FRONTEND: 'none' }
const tail = (s: string, n = 16_000) => (s.length > n ? s.slice(-n) : s)
const lastLines = (s: string, n = 6) => s.trim().split(/\r?\n/).slice(-n).join('\n').slice(-1000)

/** withLockRetries runs `attempt` again while it reports a held lock, up to the configured tries; `waiting` hears each wait. */
async function withLockRetries<T extends { code: number | null; out: string }>(attempt: () => Promise<T>, waiting: (msg: string) => Promise<void> | void, signal?: AbortSignal): Promise<T & { lockedOut: boolean }> {
  const retries = patchSettings().lockRetries ?? 10
  const seconds = patchSettings().lockRetrySeconds ?? 30
  for (let i = 0; ; i++) {
    const r = await attempt()
    if (r.code === 0 || !aptLockHeld(r.out)) return { ...r, lockedOut: false }
    if (i >= retries || signal?.aborted) return { ...r, lockedOut: true }
    await waiting(`The package manager is locked by another process (${lastLines(r.out, 1).replace(/^E:\s*/, '')}); waiting ${seconds} s, try ${i + 2} of ${retries + 1}.\n`)
    await Bun.sleep(seconds * 1000)
  }
}

const lockMessage = (out: string, tries: number) => `the package manager stayed locked by another process after ${tries} tries: ${lastLines(out, 2)}`

/** runStreaming runs a command, sending its output as it comes; returns the exit code and all output. */
async function runStreaming(cmd: string[], env: Record<string, string>, io: InstallIo): Promise<{ code: number | null; out: string }> {
  let proc: ReturnType<typeof Bun.spawn>
  try {
    proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...inheritedEnvironment(), ...env } })
  } catch (err) {
    const msg = `could not start ${cmd[0]}: ${(err as Error).message}\n`
    await io.output('stderr', msg)
    return { code: null, out: msg }
  }
  const onAbort = () => proc.kill('SIGTERM')
  io.signal.addEventListener('abort', onAbort)
  let all = ''
  const pump = async (stream: ReadableStream<Uint8Array>, name: 'stdout' | 'stderr') => {
    const decoder = new StringDecoder('utf8')
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const text = decoder.write(Buffer.from(value))
      if (!text) continue
      all = tail(all + text, 256_000)
      await io.output(name, text)
    }
  }
  await Promise.all([pump(proc.stdout as ReadableStream<Uint8Array>, 'stdout'), pump(proc.stderr as ReadableStream<Uint8Array>, 'stderr')])
  const code = await proc.exited
  io.signal.removeEventListener('abort', onAbort)
  return { code, out: all }
}

/** dpkgVersion: the installed version of a package and whether dpkg has it fully installed. */
async function dpkgVersion(pkg: string): Promise<{ version: string | null; ok: boolean; status: string }> {
  const r = await runStatus('dpkg-query', ['-W', '-f=${Version}\t${db:Status-Abbrev}', pkg], 15_000)
  if (r.code !== 0) return { version: null, ok: false, status: 'not installed' }
  const [version, status = ''] = r.out.split('\n')[0].split('\t')
  return { version: version || null, ok: status.trim() === 'ii', status: status.trim() }
}

export const apt: PatchProvider = {
  source: 'apt',
  present: () => process.platform === 'linux' && which('apt-get') && which('dpkg-query'),
  async scan({ refresh }) {
    if (refresh) {
      const r = await withLockRetries(() => runStatus('apt-get', ['update', '-q', ...aptOptions()], 600_000, aptEnv), () => {})
      if (r.lockedOut) throw new ProviderError(lockMessage(r.out, (patchSettings().lockRetries ?? 10) + 1))
      if (r.code !== 0) throw new ProviderError(`apt-get update failed (exit ${r.code ?? 'killed'}): ${lastLines(r.out)}`)
    }
    const r = await withLockRetries(() => runStatus('apt-get', ['-s', '-q', 'dist-upgrade', ...aptOptions()], 300_000, aptEnv), () => {})
    if (r.lockedOut) throw new ProviderError(lockMessage(r.out, (patchSettings().lockRetries ?? 10) + 1))
    if (r.code !== 0) throw new ProviderError(`apt-get -s dist-upgrade failed (exit ${r.code ?? 'killed'}): ${lastLines(r.out)}`)
    return parseAptSimulation(r.out)
  },
  async install(items, io) {
    const opts = aptOptions()
    const say = (m: string) => io.output('stderr', m)
    let out = ''
    const update = await withLockRetries(() => runStreaming(['apt-get', 'update', '-q', ...opts], aptEnv, io), say, io.signal)
    out += update.out
    let code: number | null = update.code
    let lockedOut = update.lockedOut
    if (!lockedOut) {
      // note: name=version installs exactly the approved version; --only-upgrade never adds a package that is not installed.
      const args = ['apt-get', 'install', '-y', '-q', '--only-upgrade', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...opts, ...items.map((i) => `${i.externalId}=${i.version}`)]
      const r = await withLockRetries(() => runStreaming(args, aptEnv, io), say, io.signal)
      out += r.out
      code = r.code
      lockedOut = r.lockedOut
    }
    const results: PatchInstallOutcome[] = []
    for (const i of items) {
      const now = await dpkgVersion(i.externalId)
      const installed = now.ok && now.version === i.version
      const message = installed ? `installed ${i.version}`
        : lockedOut ? lockMessage(out, (patchSettings().lockRetries ?? 10) + 1)
        : `not installed (dpkg: ${now.status}${now.version ? `, version ${now.version}` : ''}); apt-get exit ${code ?? 'killed'}: ${lastLines(out, 4)}`
      results.push({ source: 'apt', externalId: i.externalId, version: i.version, status: installed ? 'installed' : 'failed', installedVersion: now.version, message: message.slice(0, 1000) })
    }
    return { results, exitCode: code, outputTail: tail(out) }
  },
}

export const dnf: PatchProvider = {
  source: 'dnf',
  present: () => process.platform === 'linux' && which('dnf'),
  async scan({ refresh }) {
    const info = await runStatus('dnf', ['-q', ...(refresh ? ['--refresh'] : []), 'updateinfo', 'list', '--updates'], 600_000)
    if (info.code !== 0 && /lock/i.test(info.out)) throw new ProviderError(`dnf is locked by another process: ${lastLines(info.out, 2)}`)
    const advised = info.code === 0 ? parseDnfUpdateinfo(info.out) : []
    // check-update exits 100 when updates exist, 0 when none, 1 on error.
    const all = await runStatus('dnf', ['-q', 'check-update'], 600_000)
    if (all.code !== 0 && all.code !== 100) throw new ProviderError(`dnf check-update failed (exit ${all.code ?? 'killed'}): ${lastLines(all.out)}`)
    const seen = new Set(advised.map((p) => `${p.externalId}@${p.version}`))
    return [...advised, ...parseDnfCheckUpdate(all.out).filter((p) => !seen.has(`${p.externalId}@${p.version}`))]
  },
}

export const windowsUpdate: PatchProvider = {
  source: 'windows_update',
  present: () => process.platform === 'win32',
  async scan() {
    const r = await runStatus('powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', windowsUpdateScript], 900_000)
    if (r.code !== 0) throw new ProviderError(`the Windows Update search failed (exit ${r.code ?? 'killed'}): ${lastLines(r.out)}`)
    return parseWindowsUpdate(r.out)
  },
}

export const softwareUpdate: PatchProvider = {
  source: 'softwareupdate',
  present: () => process.platform === 'darwin',
  async scan() {
    const r = await runStatus('softwareupdate', ['--list'], 900_000)
    if (r.code !== 0) throw new ProviderError(`softwareupdate --list failed (exit ${r.code ?? 'killed'}): ${lastLines(r.out)}`)
    return parseSoftwareUpdate(r.out)
  },
}

export const winget: PatchProvider = {
  source: 'winget',
  present: () => process.platform === 'win32' && which('winget'),
  async scan() {
    const r = await runStatus('winget', ['upgrade', '--accept-source-agreements', '--disable-interactivity'], 300_000)
    return parseWingetUpgrade(r.out)
  },
}

export const providers: PatchProvider[] = [apt, dnf, windowsUpdate, softwareUpdate, winget]

/** rebootPending: the OS says an earlier update waits for a restart. */
export function rebootPending(): boolean {
  if (process.platform === 'linux') return existsSync('/var/run/reboot-required') || existsSync('/run/reboot-required')
  return false
}
