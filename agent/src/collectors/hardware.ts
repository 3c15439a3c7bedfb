// Hardware, disks and network interfaces, from systeminformation.
import si from 'systeminformation'
import { capText, caps, type DiskEntry, type HardwareSection, type NetworkEntry } from '../../../src/protocol'

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null)
const clean = (v: unknown, max: number = caps.name) => {
  const s = capText(v, max)
  return s && !/^(-|default string|to be filled by o\.e\.m\.|not specified|none|0)$/i.test(s) ? s : null
}

export async function collectHardware(): Promise<HardwareSection> {
  const system = await si.system().catch(() => null)
  const cpu = await si.cpu().catch(() => null)
  const mem = await si.mem().catch(() => null)
  const bios = await si.bios().catch(() => null)
  const layout = await si.diskLayout().catch(() => [])
  const fs = layout.length ? [] : await si.fsSize().catch(() => [])
  const gpu = await si.graphics().catch(() => null)
  const diskBytes = layout.length ? layout.reduce((a, d) => a + (d.size || 0), 0) : fs.reduce((a, v) => a + (v.size || 0), 0)
  return {
    cpuModel: clean(cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : null),
    cpuCores: int(cpu?.physicalCores),
    cpuThreads: int(cpu?.cores),
    ramTotalMb: mem ? Math.round(mem.total / 2 ** 20) : null,
    diskTotalGb: diskBytes ? Math.round(diskBytes / 1e9) : null,
    gpuModel: clean(gpu?.controllers?.map((c) => c.model).filter(Boolean).join(', ')),
    serialNumber: clean(system?.serial, caps.short),
    manufacturer: clean(system?.manufacturer),
    model: clean(system?.model),
    biosVersion: clean(bios?.version, caps.short),
  }
}

export async function collectDisks(): Promise<DiskEntry[]> {
  const fs = await si.fsSize().catch(() => [])
  return fs.filter((v) => v.size > 0).slice(0, caps.disks).map((v) => ({
    mount: capText(v.mount, caps.long) ?? v.fs, fsType: capText(v.type, caps.short), totalBytes: Math.max(0, v.size), usedBytes: Math.max(0, v.used),
  }))
}

/** prefixOf turns a netmask (255.255.255.0, ffff:ffff::) into its prefix length; null when it is not one. */
export function prefixOf(mask: string | undefined): number | null {
  if (!mask) return null
  const v4 = mask.split('.')
  const bits = v4.length === 4 ? v4.map((p) => Number(p).toString(2).padStart(8, '0')).join('')
    : mask.includes(':') ? mask.split(':').map((h) => (h === '' ? '0000' : h)).join('').split('').map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('') : ''
  if (!/^1*0*$/.test(bits) || bits.length === 0) return null
  return bits.indexOf('0') === -1 ? bits.length : bits.indexOf('0')
}

export async function collectNetwork(): Promise<NetworkEntry[]> {
  const list = await si.networkInterfaces().catch(() => [])
  const ifaces = (Array.isArray(list) ? list : [list]).filter((n) => !n.internal)
  const out: NetworkEntry[] = []
  for (const n of ifaces) {
    const base = { interfaceName: capText(n.iface) ?? 'unknown', macAddress: capText(n.mac, caps.short), isPrimary: !!n.default }
    if (n.ip4) out.push({ ...base, ipAddress: capText(n.ip4, caps.short), ipType: 'ipv4', prefixLength: prefixOf(n.ip4subnet) })
    if (n.ip6) out.push({ ...base, ipAddress: capText(n.ip6, caps.short), ipType: 'ipv6', prefixLength: prefixOf(n.ip6subnet) })
    if (!n.ip4 && !n.ip6) out.push({ ...base, ipAddress: null, ipType: null })
  }
  return out.slice(0, caps.interfaces)
}
