// `bun run build`: compiles the server into dist/breeze (linux-x64) and the agent for every
// platform into dist/agents/, with the manifest.json (version, SHA-256, size) the server
// reads to serve and offer them. Migrations, pages and static files are imported by the code
// (`with { type: 'file' | 'text' }`), so the binary embeds them and runs from any folder with
// only a data directory.
//   bun run build                      everything
//   bun run build -- --agents linux-x64,windows-x64   only these agent platforms (no server)
import { $ } from 'bun'
import { createHash } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import pkg from '../package.json'
import { agentPlatforms, type AgentPlatform } from '../src/protocol/limits'

const root = new URL('..', import.meta.url).pathname
await mkdir(`${root}dist/agents`, { recursive: true })

async function compile(entry: string, target: string, outfile: string, extra: string[] = ['--sourcemap']) {
  const started = performance.now()
  await $`bun build --compile --minify --target=${target} ${extra} ${entry} --outfile ${outfile}`.cwd(root).quiet()
  console.log(`built ${outfile} (${target}) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

const agentsFlag = process.argv.indexOf('--agents')
const onlyAgents = agentsFlag >= 0 ? (process.argv[agentsFlag + 1] ?? '').split(',').filter(Boolean) as AgentPlatform[] : null

if (!onlyAgents) await compile('src/main.ts', 'bun-linux-x64', 'dist/breeze')

// The agents: one executable per platform, its version baked in, and the manifest beside them.
const manifestFile = `${root}dist/agents/manifest.json`
const manifest: Record<string, { version: string; sha256: string; size: number }> = JSON.parse(await readFile(manifestFile, 'utf8').catch(() => '{}'))
for (const platform of onlyAgents ?? agentPlatforms) {
  if (!agentPlatforms.includes(platform)) throw new Error(`unknown agent platform ${platform} (one of ${agentPlatforms.join(', ')})`)
  const outfile = `dist/agents/breeze-agent-${platform}${platform.startsWith('windows') ? '.exe' : ''}`
  await compile('agent/main.ts', `bun-${platform}`, outfile, ['--define', `BREEZE_AGENT_VERSION=${JSON.stringify(pkg.version)}`])
  const bytes = await readFile(`${root}${outfile}`)
  manifest[platform] = { version: pkg.version, sha256: createHash('sha256').update(bytes).digest('hex'), size: (await stat(`${root}${outfile}`)).size }
}
await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
console.log(`wrote dist/agents/manifest.json (${Object.keys(manifest).join(', ')})`)
