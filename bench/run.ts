// `bun run bench [name…]`: runs every bench/*.bench.ts (or the named ones) one after another,
// each in its own process so they cannot disturb each other, and prints their figures.
// Benchmarks print Markdown; copy the figures into BENCHMARKS.md with the date and machine.
import { Glob } from 'bun'
import os from 'node:os'
import path from 'node:path'

const only = process.argv.slice(2)
const files = [...new Glob('*.bench.ts').scanSync(import.meta.dir)].sort().filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
console.log(`# Breeze benchmarks — ${new Date().toISOString().slice(0, 10)}`)
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, bun ${Bun.version}\n`)
let failed = 0
for (const file of files) {
  console.log(`## ${file.replace('.bench.ts', '')}\n`)
  const proc = Bun.spawn(['bun', path.join(import.meta.dir, file)], { stdout: 'inherit', stderr: 'inherit', env: { ...process.env, BREEZE_LOG_LEVEL: 'error' } })
  if ((await proc.exited) !== 0) { failed++; console.log(`\n(${file} failed)\n`) }
}
process.exit(failed ? 1 : 0)
