// The agent executables this server hands out: whatever `npm run build` produced, found in
// <data dir>/agents, next to the server executable (agents/), or in dist/agents when running
// from source. A manifest.json beside them gives each build's version and SHA-256.
import { createHash, sign } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { agentPlatforms, updateSigningText, type AgentPlatform, type UpgradeInstruction } from '../protocol'
import type { AppContext } from '../context'
import type { Logger } from '../lib/log'

export type AgentBuild = { platform: AgentPlatform; file: string; version: string; sha256: string; size: number }

type Manifest = Partial<Record<AgentPlatform, { version: string; sha256: string; size: number }>>

export const agentFileName = (platform: AgentPlatform) => `breeze-agent-${platform}${platform.startsWith('windows') ? '.exe' : ''}`

/** Where builds are looked for (config: the data dir and agentsDir). */
export type BuildPlaces = { dataDir: string; agentsDir: string }

/** buildDirs lists where builds are looked for, first match wins. */
export function buildDirs(places: BuildPlaces): string[] {
  return [path.join(places.dataDir, 'agents'), places.agentsDir]
}

// note: hashing a 100 MB executable takes ~100 ms, so results are kept per file, size and mtime.
const hashCache = new Map<string, { key: string; sha256: string }>()

function sha256File(file: string, stamp: string): string {
  const hit = hashCache.get(file)
  if (hit?.key === stamp) return hit.sha256
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex')
  hashCache.set(file, { key: stamp, sha256 })
  return sha256
}

const scanCache = new Map<string, { at: number; stamp: string; builds: Map<AgentPlatform, AgentBuild> }>()

function manifestStamp(places: BuildPlaces): string {
  return buildDirs(places).map((dir) => { try { return statSync(path.join(dir, 'manifest.json')).mtimeMs } catch { return 0 } }).join(':')
}

/**
 * findAgentBuilds returns the build available for each platform. Heartbeats ask on every call,
 * so a scan is reused for 5 s unless a manifest changed; `fresh` (downloads) always rescans.
 */
export function findAgentBuilds(places: BuildPlaces, fresh = false): Map<AgentPlatform, AgentBuild> {
  const cached = scanCache.get(places.dataDir)
  const stamp = manifestStamp(places)
  if (!fresh && cached && cached.stamp === stamp && performance.now() - cached.at < 5_000) return cached.builds
  const builds = scanBuilds(places)
  scanCache.set(places.dataDir, { at: performance.now(), stamp, builds })
  return builds
}

function scanBuilds(places: BuildPlaces): Map<AgentPlatform, AgentBuild> {
  const found = new Map<AgentPlatform, AgentBuild>()
  for (const dir of buildDirs(places)) {
    if (!existsSync(dir)) continue
    let manifest: Manifest = {}
    let manifestTime = 0
    try {
      const file = path.join(dir, 'manifest.json')
      manifest = JSON.parse(readFileSync(file, 'utf8'))
      manifestTime = statSync(file).mtimeMs
    } catch {}
    for (const platform of agentPlatforms) {
      if (found.has(platform)) continue
      const file = path.join(dir, agentFileName(platform))
      if (!existsSync(file)) continue
      const st = statSync(file)
      const entry = manifest[platform]
      // The manifest describes this very file when it was written after it, for its size;
      // otherwise the file is hashed, and a build the manifest does not describe has no version.
      const described = !!entry && entry.size === st.size && manifestTime >= st.mtimeMs
      const sha256 = described ? entry.sha256 : sha256File(file, `${st.size}:${st.mtimeMs}`)
      const version = entry && entry.sha256 === sha256 ? entry.version : 'unknown'
      found.set(platform, { platform, file, version, sha256, size: st.size })
    }
  }
  return found
}

/** upgradeFor returns the instruction to switch to the served build, when it differs from what the agent runs. */
export function upgradeFor(ctx: Pick<AppContext, 'config' | 'keys'>, platform: string, agentVersion: string, failed: string[] = []): UpgradeInstruction | null {
  const build = findAgentBuilds(ctx.config).get(platform as AgentPlatform)
  if (!build || build.version === 'unknown' || build.version === agentVersion || failed.includes(build.version)) return null
  const signature = sign(null, Buffer.from(updateSigningText(platform, build.version, build.sha256)), ctx.keys.signingKey).toString('base64')
  return { version: build.version, platform, url: `/agents/${platform}?sha256=${build.sha256}`, sha256: build.sha256, size: build.size, signature }
}

/** acceptsGzip reads an Accept-Encoding header: gzip listed and not refused with q=0. */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    return (name === 'gzip' || name === '*') && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))
  })
}

const gzipJobs = new Map<string, Promise<void>>()

/** gzipCacheDir holds the gzipped copies of the builds, made on first demand. */
export const gzipCacheDir = (dataDir: string) => path.join(dataDir, 'cache', 'agents')

/**
 * gzippedBuild returns the gzipped copy of `build` when it is ready; otherwise it starts making
 * it (once, in the background: ~7 s for 110 MB, which halves it) and returns null, and that
 * request gets the plain file. The copy is named after the build's SHA-256, so a new build
 * never gets an old copy; copies of older builds are removed.
 */
export function gzippedBuild(dataDir: string, build: AgentBuild, log?: Logger): string | null {
  const dir = gzipCacheDir(dataDir)
  const file = path.join(dir, `${build.platform}-${build.sha256}.gz`)
  if (existsSync(file)) return file
  if (!gzipJobs.has(file)) {
    const tmp = `${file}.tmp-${process.pid}`
    const job = (async () => {
      mkdirSync(dir, { recursive: true })
      await pipeline(createReadStream(build.file), createGzip({ level: 6 }), createWriteStream(tmp))
      renameSync(tmp, file)
      for (const old of readdirSync(dir)) if (old.startsWith(`${build.platform}-`) && path.join(dir, old) !== file && !old.includes('.tmp-')) rmSync(path.join(dir, old), { force: true })
    })().catch((err) => {
      rmSync(tmp, { force: true })
      log?.warn('could not cache a gzipped agent build; serving it uncompressed', { platform: build.platform, err })
    }).finally(() => gzipJobs.delete(file))
    gzipJobs.set(file, job)
  }
  return null
}

/** gzipInFlight resolves when the gzipped copies being made now are done (tests, shutdown). */
export async function gzipInFlight(): Promise<void> {
  await Promise.all([...gzipJobs.values()])
}
