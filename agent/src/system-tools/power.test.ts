// The pure parts of power actions and wake-on-LAN: the OS's own commands, what users read,
// netmasks to prefix lengths, broadcast addresses, the magic packet and the subnet check.
import { describe, expect, test } from 'bun:test'
import { prefixOf } from '../collectors/hardware'
import { defaultPowerCommand, userText } from './power'
import { broadcastOf, localSubnet, magicPacket } from './wake'

describe('power', () => {
  test('the OS\'s own reboot and shutdown', () => {
    expect(defaultPowerCommand('reboot', 'linux', true)).toEqual(['systemctl', 'reboot'])
    expect(defaultPowerCommand('shutdown', 'linux', true)).toEqual(['systemctl', 'poweroff'])
    expect(defaultPowerCommand('reboot', 'linux', false)).toEqual(['shutdown', '-r', 'now'])
    expect(defaultPowerCommand('shutdown', 'darwin')).toEqual(['shutdown', '-h', 'now'])
    expect(defaultPowerCommand('reboot', 'win32')).toEqual(['shutdown.exe', '/r', '/t', '0'])
    expect(defaultPowerCommand('shutdown', 'win32')).toEqual(['shutdown.exe', '/s', '/t', '0'])
  })

  test('what the signed-in users read', () => {
    const p = { message: ' Updates ', delaySeconds: 300, onlyIfPending: false, deferralsLeft: 0, deferMinutes: 60, promptSeconds: 120 }
    expect(userText('reboot', p)).toBe('Updates\n\nThis computer will restart in 5 minutes.')
    expect(userText('shutdown', { ...p, message: '', delaySeconds: 0 })).toBe('This computer will shut down now.')
    expect(userText('reboot', { ...p, message: '', delaySeconds: 45 })).toBe('This computer will restart in 45 seconds.')
  })
})

describe('wake-on-LAN', () => {
  test('netmasks to prefix lengths', () => {
    expect(prefixOf('255.255.255.0')).toBe(24)
    expect(prefixOf('255.255.252.0')).toBe(22)
    expect(prefixOf('255.255.255.255')).toBe(32)
    expect(prefixOf('255.0.255.0')).toBeNull()
    expect(prefixOf('ffff:ffff:ffff:ffff::')).toBe(64)
    expect(prefixOf('')).toBeNull()
  })

  test('broadcast addresses and the magic packet', () => {
    expect(broadcastOf('192.168.1.20', '255.255.255.0')).toBe('192.168.1.255')
    expect(broadcastOf('10.1.2.3', '255.255.240.0')).toBe('10.1.15.255')
    const packet = magicPacket('02:42:ac:11:00:02')
    expect(packet.length).toBe(102)
    expect(packet.subarray(0, 6).toString('hex')).toBe('ffffffffffff')
    expect(packet.subarray(6).toString('hex')).toBe('0242ac110002'.repeat(16))
  })

  test('only the broadcast address of one of its own subnets', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [{ address: '192.168.5.7', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.5.7/24' }],
    } as unknown as Parameters<typeof localSubnet>[1]
    expect(localSubnet('192.168.5.255', ifaces)).toEqual({ name: 'eth0', address: '192.168.5.7' })
    expect(localSubnet('192.168.6.255', ifaces)).toBeNull()
    expect(localSubnet('127.255.255.255', ifaces)).toBeNull()
    expect(localSubnet('255.255.255.255', ifaces)).toBeNull()
  })
})
