// `policy.check`: answer a policy's endpoint rules (src/protocol/policy-check.ts) by looking at
// this machine: a file, a registry value, disk encryption, the firewall. Read-only: nothing is
// changed here (remediation is a script the server runs separately).
import { existsSync, statSync } from 'node:fs'
import { policyCheckPayload, type PolicyCheckOutcome, type PolicyCheckRule } from '../../../src/protocol/policy-check'
import { run, runStatus } from '../collectors/exec'
import type { CommandHandler } from './types'

export const payload = policyCheckPayload

const cut = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 480)

async function filePresent(r: PolicyCheckRule): Promise<Omit<PolicyCheckOutcome, 'id'>> {
  const path = r.path ?? ''
  if (!existsSync(path)) return { status: 'fail', actual: 'missing' }
  const st = statSync(path)
  return { status: 'pass', actual: st.isDirectory() ? 'directory present' : `present (${st.size} bytes)` }
}

async function registryValue(r: PolicyCheckRule): Promise<Omit<PolicyCheckOutcome, 'id'>> {
  if (process.platform !== 'win32') return { status: 'not_applicable', actual: 'not Windows' }
  const res = await runStatus('reg', ['query', r.path ?? '', '/v', r.valueName ?? ''], 15_000)
  if (res.code !== 0) return { status: 'fail', actual: 'value not found' }
  const line = res.out.split(/\r?\n/).find((l) => l.trim().toLowerCase().startsWith((r.valueName ?? '').toLowerCase()))
  const data = line ? line.trim().split(/\s{2,}|\t/).slice(2).join(' ').trim() : ''
  if (r.expected === undefined) return { status: 'pass', actual: data || 'present' }
  const norm = (v: string) => (/^0x[0-9a-f]+$/i.test(v) ? String(parseInt(v, 16)) : v).toLowerCase()
  return { status: norm(data) === norm(r.expected) ? 'pass' : 'fail', actual: data || '(empty)' }
}

async function diskEncryption(): Promise<Omit<PolicyCheckOutcome, 'id'>> {
  if (process.platform === 'darwin') {
    const out = await run('fdesetup', ['status'], 15_000)
    if (out === null) return { status: 'error', actual: 'fdesetup did not answer' }
    return { status: /FileVault is On/i.test(out) ? 'pass' : 'fail', actual: cut(out) }
  }
  if (process.platform === 'win32') {
    const out = await run('manage-bde', ['-status', 'C:'], 30_000)
    if (out === null) return { status: 'error', actual: 'manage-bde did not answer (needs an elevated agent)' }
    return { status: /Protection On/i.test(out) ? 'pass' : 'fail', actual: cut(out.split(/\r?\n/).filter((l) => /Protection Status|Conversion Status/i.test(l)).join('; ')) }
  }
  // Linux: the root filesystem sits on a dm-crypt (LUKS) device somewhere below it.
  const out = await run('lsblk', ['-J', '-o', 'NAME,TYPE,MOUNTPOINT'], 15_000)
  if (out === null) return { status: 'error', actual: 'lsblk did not answer' }
  type Node = { name: string; type: string; mountpoint?: string | null; children?: Node[] }
  let tree: { blockdevices?: Node[] }
  try { tree = JSON.parse(out) } catch { return { status: 'error', actual: 'lsblk output unreadable' } }
  const rootUnderCrypt = (n: Node, crypt: boolean): boolean => {
    const inCrypt = crypt || n.type === 'crypt'
    if (n.mountpoint === '/') return inCrypt
    return (n.children ?? []).some((c) => rootUnderCrypt(c, inCrypt))
  }
  const devices = tree.blockdevices ?? []
  const found = devices.some((d) => rootUnderCrypt(d, false))
  const rootKnown = JSON.stringify(devices).includes('"mountpoint":"/"')
  if (!rootKnown) return { status: 'fail', actual: 'the root filesystem is not on a block device lsblk shows (container or overlay)' }
  return { status: found ? 'pass' : 'fail', actual: found ? 'root filesystem on dm-crypt' : 'root filesystem not encrypted' }
}

async function firewall(): Promise<Omit<PolicyCheckOutcome, 'id'>> {
  if (process.platform === 'darwin') {
    const out = await run('/usr/libexec/ApplicationFirewall/socketfilterfw', ['--getglobalstate'], 15_000)
    if (out === null) return { status: 'error', actual: 'socketfilterfw did not answer' }
    return { status: /enabled/i.test(out) ? 'pass' : 'fail', actual: cut(out) }
  }
  if (process.platform === 'win32') {
    const out = await run('netsh', ['advfirewall', 'show', 'allprofiles', 'state'], 15_000)
    if (out === null) return { status: 'error', actual: 'netsh did not answer' }
    const states = [...out.matchAll(/State\s+(ON|OFF)/gi)].map((m) => m[1].toUpperCase())
    return { status: states.length > 0 && states.every((s) => s === 'ON') ? 'pass' : 'fail', actual: `profiles: ${states.join(', ') || 'unknown'}` }
  }
  // Linux: ufw, firewalld, or an nftables/iptables input chain that filters.
  const ufw = await run('ufw', ['status'], 10_000)
  if (ufw && /Status: active/i.test(ufw)) return { status: 'pass', actual: 'ufw active' }
  const firewalld = await run('firewall-cmd', ['--state'], 10_000)
  if (firewalld && /running/i.test(firewalld)) return { status: 'pass', actual: 'firewalld running' }
  const nft = await run('nft', ['list', 'ruleset'], 10_000)
  if (nft && /hook input[^;]*;\s*priority[^;]*;\s*policy drop/i.test(nft)) return { status: 'pass', actual: 'nftables input policy drop' }
  const ipt = await run('iptables', ['-S', 'INPUT'], 10_000)
  if (ipt && /-P INPUT (DROP|REJECT)/.test(ipt)) return { status: 'pass', actual: 'iptables INPUT policy drop' }
  const seen = [ufw ? 'ufw inactive' : null, firewalld !== null ? 'firewalld not running' : null, nft !== null ? 'nftables accepts input' : null, ipt !== null ? 'iptables accepts input' : null].filter(Boolean)
  return { status: 'fail', actual: seen.length ? seen.join('; ') : 'no firewall tool found (ufw, firewalld, nft, iptables)' }
}

export const handler: CommandHandler = async (command) => {
  const p = command.payload as typeof policyCheckPayload.static
  const results: PolicyCheckOutcome[] = []
  for (const r of p.rules) {
    try {
      const v = r.kind === 'file_present' ? await filePresent(r) : r.kind === 'registry_value' ? await registryValue(r) : r.kind === 'disk_encryption' ? await diskEncryption() : await firewall()
      results.push({ id: r.id, status: v.status, actual: cut(v.actual) })
    } catch (err) {
      results.push({ id: r.id, status: 'error', actual: cut((err as Error).message) })
    }
  }
  return { results }
}
