// `npm run build`: compiles the server into dist/breeze (linux-x64) and the agent for every
// platform into dist/agents/, with the manifest.json (version, SHA-256, size) the server
// reads to serve and offer them. Migrations, pages and static files are imported by the code
// (`with { type: 'file' | 'text' }`), so the binary embeds them and runs from any folder with
// only a data directory.
//   npm run build                                  everything
//   npm run build -- --agents linux-x64,windows-x64   only these agent platforms (no server)
//   npm run build -- --agents host --if-stale      the agent for this machine, only when missing or
//                                                  older than its sources (npm start runs this first)
import { $ } from 'bun'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import pkg from '../package.json'
import { agentPlatforms, type AgentPlatform } from '../src/protocol/limits'

const root = path.join(import.meta.dir, '..')

type ManifestEntry = { version: string; sha256: string; size: number; source?: string }

/** hostPlatform is the agent platform of the machine running this, or null when no agent is built for it. */
export function hostPlatform(): AgentPlatform | null {
  const os = process.platform === 'win32' ? 'windows' : process.platform
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : process.arch
  const p = `${os}-${arch}`
  return (agentPlatforms as readonly string[]).includes(p) ? p as AgentPlatform : null
}

/** sourceStamp hashes what an agent build is made of (its code, the shared protocol and lib, the version). */
export function sourceStamp(): string {
  const h = createHash('sha256').update(pkg.version)
  for (const pattern of ['agent/**/*.ts', 'src/protocol/**/*.ts', 'src/lib/**/*.ts']) {
    for (const f of [...new Bun.Glob(pattern).scanSync(root)].sort()) if (!f.endsWith('.test.ts')) h.update(f).update(readFileSync(path.join(root, f)))
  }
  return h.digest('hex').slice(0, 16)
}

/** upToDate says whether `outDir` holds a build of `platform` made from these sources. */
export function upToDate(outDir: string, platform: AgentPlatform, stamp: string): boolean {
  let manifest: Record<string, ManifestEntry> = {}
  try { manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) } catch { return false }
  const entry = manifest[platform]
  const file = path.join(outDir, agentFile(platform))
  return !!entry && entry.source === stamp && existsSync(file) && statSync(file).size === entry.size
}

const agentFile = (platform: AgentPlatform) => `breeze-agent-${platform}${platform.startsWith('windows') ? '.exe' : ''}`

async function compile(entry: string, target: string, outfile: string, extra: string[] = ['--sourcemap']) {
  const started = performance.now()
  await $`bun build --compile --minify --target=${target} ${extra} ${entry} --outfile ${outfile}`.cwd(root).quiet()
  console.log(`built ${path.relative(root, outfile)} (${target}) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

async function main(argv: string[]) {
  const flag = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] ?? '' : null }
  const outDir = path.resolve(flag('--out') ?? path.join(root, 'dist', 'agents'))
  const agentsFlag = flag('--agents')
  const ifStale = argv.includes('--if-stale')
  let onlyAgents: AgentPlatform[] | null = null
  if (agentsFlag !== null) {
    onlyAgents = []
    for (const name of agentsFlag.split(',').filter(Boolean)) {
      if (name === 'host') {
        const host = hostPlatform()
        if (!host) { console.log(`no agent is built for this machine (${process.platform}-${process.arch}); run npm run build for the others`); continue }
        onlyAgents.push(host)
      } else if ((agentPlatforms as readonly string[]).includes(name)) onlyAgents.push(name as AgentPlatform)
      else throw new Error(`unknown agent platform ${name} (one of host, ${agentPlatforms.join(', ')})`)
    }
  }
  await mkdir(outDir, { recursive: true })
  if (!onlyAgents) await compile('src/main.ts', 'bun-linux-x64', path.join(root, 'dist', 'breeze'))

  // The agents: one executable per platform, its version baked in, and the manifest beside them.
  const stamp = sourceStamp()
  const manifestFile = path.join(outDir, 'manifest.json')
  const manifest: Record<string, ManifestEntry> = JSON.parse(await readFile(manifestFile, 'utf8').catch(() => '{}'))
  let built = 0
  for (const platform of onlyAgents ?? agentPlatforms) {
    if (ifStale && upToDate(outDir, platform, stamp)) { console.log(`agent for ${platform} is up to date (${path.relative(root, outDir) || outDir})`); continue }
    const outfile = path.join(outDir, agentFile(platform))
    await compile('agent/main.ts', `bun-${platform}`, outfile, ['--define', `BREEZE_AGENT_VERSION=${JSON.stringify(pkg.version)}`])
    const bytes = await readFile(outfile)
    manifest[platform] = { version: pkg.version, sha256: createHash('sha256').update(bytes).digest('hex'), size: (await stat(outfile)).size, source: stamp }
    built++
  }
  if (built > 0) {
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
    console.log(`wrote ${path.relative(root, manifestFile)} (${Object.keys(manifest).join(', ')})`)
  }
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  try {
    await main(argv)
  } catch (err) {
    // Before `npm start` a failed agent build must not keep the server from starting.
    if (!argv.includes('--if-stale')) throw err
    console.error(`could not build the agent for this machine (${(err as Error).message.split('\n')[0]}); Add device will say which builds are missing. Try npm run build.`)
  }
}
