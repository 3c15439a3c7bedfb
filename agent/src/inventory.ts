// Full inventory, collected one section at a time, in a short-lived child process
// (`breeze-agent collect-inventory`), so the long-running agent never holds what collecting
// allocates; and the report to send: every section on a full report, otherwise only those
// whose content hash differs from what the server last accepted.
import { createHash } from 'node:crypto'
import path from 'node:path'
import type { InventoryReport, InventorySection } from '../../src/protocol'
import { collectDisks, collectHardware, collectNetwork } from './collectors/hardware'
import { osBasics } from './collectors/identity'
import { collectServices } from './collectors/services'
import { collectSoftware } from './collectors/software'
import si from 'systeminformation'

type Sections = Required<Pick<InventoryReport, InventorySection>>

async function collectOs(): Promise<Sections['os']> {
  const b = await osBasics()
  const time = si.time()
  return { hostname: b.hostname, osType: b.osType, osVersion: b.osVersion, osBuild: b.osBuild, distro: b.distro, kernel: b.kernel, architecture: b.architecture, bootTime: Math.round(Date.now() - time.uptime * 1000) }
}

export type { Sections as InventorySections }

/** collectInventory gathers every section in this process (the `collect-inventory` command). */
export async function collectInventory(): Promise<Sections> {
  return {
    os: await collectOs(),
    hardware: await collectHardware(),
    disks: await collectDisks(),
    network: await collectNetwork(),
    software: await collectSoftware(),
    services: await collectServices(),
  }
}

/** collectInventoryInChild runs `collect-inventory` as a child process at low priority and reads its JSON. */
export async function collectInventoryInChild(configDir: string): Promise<Sections> {
  // note: from source (bun agent/main.ts) the executable is bun and the script comes first.
  const fromSource = /^bun(\.exe)?$/i.test(path.basename(process.execPath))
  // The config dir travels along: the child reads the same settings (init script folders).
  const proc = Bun.spawn([process.execPath, ...(fromSource ? [Bun.main] : []), 'collect-inventory', '--config-dir', configDir], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' })
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  if (code !== 0) throw new Error(`inventory collection exited with ${code}`)
  return JSON.parse(text) as Sections
}

/** sectionHash ignores values that drift every minute (disk usage, boot time jitter). */
export function sectionHash(name: InventorySection, value: unknown): string {
  const stable = name === 'disks' ? (value as Sections['disks']).map((d) => ({ ...d, usedBytes: Math.round(d.usedBytes / 2 ** 30) }))
    : name === 'os' ? { ...(value as Sections['os']), bootTime: Math.round(((value as Sections['os']).bootTime ?? 0) / 60_000) }
    : value
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex')
}

/** buildReport picks the sections to send and the hashes to remember once the server accepts them. */
export function buildReport(sections: Sections, accepted: Partial<Record<InventorySection, string>>, full: boolean) {
  const report: InventoryReport = { full, collectedAt: Date.now() }
  const hashes: Partial<Record<InventorySection, string>> = {}
  for (const name of Object.keys(sections) as InventorySection[]) {
    hashes[name] = sectionHash(name, sections[name])
    if (full || hashes[name] !== accepted[name]) (report as Record<string, unknown>)[name] = sections[name]
  }
  const sent = (Object.keys(sections) as InventorySection[]).filter((n) => n in report)
  return { report, hashes, sent }
}
