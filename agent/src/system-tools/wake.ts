// Wake-on-LAN: a magic packet (6 × 0xff, then the MAC 16 times) per MAC, sent as a UDP
// broadcast to the directed broadcast address of a subnet this machine is on, from that
// interface's address. The agent refuses any address that is not the broadcast address of one
// of its own IPv4 subnets: the server cannot make it send packets anywhere else.
import dgram from 'node:dgram'
import os from 'node:os'
import type { WakePayload, WakeResult } from '../../../src/protocol'

export class WakeRefused extends Error {}

const toInt = (ip: string) => ip.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0)
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')

/** broadcastOf: the directed broadcast address of `ip` with `netmask` (both dotted quads). */
export function broadcastOf(ip: string, netmask: string): string {
  return toIp((toInt(ip) | ~toInt(netmask)) >>> 0)
}

/** magicPacket builds the 102-byte packet for one MAC (aa:bb:cc:dd:ee:ff). */
export function magicPacket(mac: string): Buffer {
  const bytes = Buffer.from(mac.replace(/[:-]/g, ''), 'hex')
  if (bytes.length !== 6) throw new WakeRefused(`not a MAC address: ${mac}`)
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => bytes)])
}

/** localSubnet finds the interface whose subnet has `broadcast` as its broadcast address. */
export function localSubnet(broadcast: string, ifaces = os.networkInterfaces()): { name: string; address: string } | null {
  for (const [name, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal || a.netmask === '255.255.255.255') continue
      if (broadcastOf(a.address, a.netmask) === broadcast) return { name, address: a.address }
    }
  }
  return null
}

/** sendWake sends one magic packet per MAC to the broadcast address from the matching interface. */
export async function sendWake(p: WakePayload): Promise<WakeResult> {
  const iface = localSubnet(p.broadcast)
  if (!iface) throw new WakeRefused(`${p.broadcast} is not the broadcast address of a subnet this machine is on`)
  const socket = dgram.createSocket({ type: 'udp4' })
  socket.on('error', () => {})
  try {
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(0, iface.address, () => resolve()) })
    socket.setBroadcast(true)
    let sent = 0
    for (const mac of p.macs) {
      const packet = magicPacket(mac)
      await new Promise<void>((resolve, reject) => socket.send(packet, p.port, p.broadcast, (err) => (err ? reject(err) : resolve())))
      sent++
    }
    return { sent, broadcast: p.broadcast, interface: iface.name }
  } finally {
    socket.close()
  }
}
