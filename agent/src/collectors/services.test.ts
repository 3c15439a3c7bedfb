// The service collectors' parsers, on the text each system's tool prints.
import { describe, expect, test } from 'bun:test'
import { parseLaunchctl, parseSystemd, parseWindows } from './services'

describe('service parsers', () => {
  test('systemd: display name, normalised state, start type from the unit files', () => {
    const units = [
      'cron.service                 loaded    active   running Regular background program processing daemon',
      'apt-daily.service            loaded    inactive dead    Daily apt download activities',
      '● nginx.service              loaded    failed   failed  A high performance web server',
      'systemd-tmpfiles-setup.service loaded  active   exited  Create Volatile Files and Directories',
      'foo.service                  not-found inactive dead    foo.service',
      'getty@tty1.service           loaded    activating start Getty on tty1',
    ].join('\n')
    const files = 'cron.service enabled enabled\napt-daily.service static -\nnginx.service disabled enabled\n'
    expect(parseSystemd(units, files)).toEqual([
      { name: 'cron', displayName: 'Regular background program processing daemon', state: 'running', startMode: 'enabled' },
      { name: 'apt-daily', displayName: 'Daily apt download activities', state: 'stopped', startMode: 'static' },
      { name: 'nginx', displayName: 'A high performance web server', state: 'failed', startMode: 'disabled' },
      { name: 'systemd-tmpfiles-setup', displayName: 'Create Volatile Files and Directories', state: 'exited', startMode: null },
      { name: 'getty@tty1', displayName: 'Getty on tty1', state: 'starting', startMode: null },
    ])
  })

  test('Windows: CIM JSON, one object or many, pending states', () => {
    const many = JSON.stringify([
      { Name: 'WinDefend', DisplayName: 'Microsoft Defender Antivirus Service', State: 'Running', StartMode: 'Auto' },
      { Name: 'Spooler', DisplayName: 'Print Spooler', State: 'Stop Pending', StartMode: 'Manual' },
      { Name: 'xbgm', DisplayName: null, State: 'Stopped', StartMode: 'Disabled' },
    ])
    expect(parseWindows(`\uFEFF${many}`)).toEqual([
      { name: 'WinDefend', displayName: 'Microsoft Defender Antivirus Service', state: 'running', startMode: 'auto' },
      { name: 'Spooler', displayName: 'Print Spooler', state: 'stopping', startMode: 'manual' },
      { name: 'xbgm', displayName: null, state: 'stopped', startMode: 'disabled' },
    ])
    expect(parseWindows(JSON.stringify({ Name: 'One', DisplayName: 'Only one', State: 'Paused', StartMode: 'Auto' }))).toEqual([{ name: 'One', displayName: 'Only one', state: 'paused', startMode: 'auto' }])
    expect(parseWindows('not json')).toEqual([])
  })

  test('macOS: launchctl list (a PID is running, a non-zero last status failed)', () => {
    expect(parseLaunchctl('PID\tStatus\tLabel\n412\t0\tcom.apple.Finder\n-\t0\tcom.apple.backupd\n-\t78\tcom.example.broken\n')).toEqual([
      { name: 'com.apple.Finder', displayName: null, state: 'running', startMode: null },
      { name: 'com.apple.backupd', displayName: null, state: 'stopped', startMode: null },
      { name: 'com.example.broken', displayName: null, state: 'failed', startMode: null },
    ])
  })
})
