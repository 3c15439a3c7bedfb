// The service tools' parsers, on the text each system's tool prints, and the SysV helpers on a
// folder of scripts made here.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { initScripts, listSysV, parsePrintDisabled, parseScQc, parseScQuery, parseSystemctlShow, sysvState } from './services'

const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-sysv-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('service parsers', () => {
  test('systemctl show: active/sub states, the unit file state, unknown units', () => {
    expect(parseSystemctlShow('LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n')).toEqual({ load: 'loaded', state: 'running', startMode: 'enabled' })
    expect(parseSystemctlShow('LoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=disabled\n')).toEqual({ load: 'loaded', state: 'stopped', startMode: 'disabled' })
    expect(parseSystemctlShow('LoadState=loaded\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\n').state).toBe('failed')
    expect(parseSystemctlShow('LoadState=masked\nActiveState=inactive\nSubState=dead\nUnitFileState=masked\n')).toEqual({ load: 'masked', state: 'stopped', startMode: 'masked' })
    expect(parseSystemctlShow('LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n')).toEqual({ load: 'not-found', state: 'stopped', startMode: null })
  })

  test('sc.exe query: SERVICE_NAME blocks with a numeric state (any display language)', () => {
    const text = [
      'SERVICE_NAME: Spooler',
      'DISPLAY_NAME: Print Spooler',
      '        TYPE               : 110  WIN32_OWN_PROCESS  (interactive)',
      '        STATE              : 4  RUNNING',
      '                                (STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)',
      '        WIN32_EXIT_CODE    : 0  (0x0)',
      '        SERVICE_EXIT_CODE  : 0  (0x0)',
      '        CHECKPOINT         : 0x0',
      '        WAIT_HINT          : 0x0',
      '',
      'SERVICE_NAME: wuauserv',
      'DISPLAY_NAME: Windows Update',
      '        TYPE               : 20  WIN32_SHARE_PROCESS',
      '        STATE              : 1  ARRÊTÉ',
      '',
      'SERVICE_NAME: MSSQL$SQLEXPRESS',
      '        STATE              : 3  STOP_PENDING',
    ].join('\r\n')
    expect([...parseScQuery(text)]).toEqual([['Spooler', 'running'], ['wuauserv', 'stopped'], ['MSSQL$SQLEXPRESS', 'stopping']])
    expect(parseScQuery('[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n').size).toBe(0)
  })

  test('sc.exe qc: START_TYPE', () => {
    const qc = (n: string, word: string) => `[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: Spooler\r\n        TYPE               : 110  WIN32_OWN_PROCESS\r\n        START_TYPE         : ${n}   ${word}\r\n        ERROR_CONTROL      : 1   NORMAL\r\n`
    expect(parseScQc(qc('2', 'AUTO_START'))).toBe('auto')
    expect(parseScQc(qc('2', 'AUTO_START  (DELAYED)'))).toBe('auto')
    expect(parseScQc(qc('3', 'DEMAND_START'))).toBe('manual')
    expect(parseScQc(qc('4', 'DISABLED'))).toBe('disabled')
    expect(parseScQc('nothing')).toBeNull()
  })

  test('launchctl print-disabled: enabled/disabled words, or true/false on older macOS', () => {
    const text = 'disabled services = {\n\t"com.apple.ftpd" => disabled\n\t"com.openssh.sshd" => enabled\n\t"org.example.old" => true\n\t"org.example.on" => false\n}\nlogin item associations = {\n}\n'
    expect([...parsePrintDisabled(text)]).toEqual([['com.apple.ftpd', true], ['com.openssh.sshd', false], ['org.example.old', true], ['org.example.on', false]])
  })

  test('SysV: LSB status codes, a script without status, and which files are services', async () => {
    expect(sysvState(0, 'x is running')).toBe('running')
    expect(sysvState(3, 'x is not running')).toBe('stopped')
    expect(sysvState(1, 'x is dead but pid file exists')).toBe('failed')
    expect(sysvState(4, '')).toBe('unknown')
    expect(sysvState(1, 'Usage: /etc/init.d/x {start|stop}')).toBe('unknown')

    const a = path.join(dir, 'a')
    const b = path.join(dir, 'b')
    mkdirSync(a)
    mkdirSync(b)
    writeFileSync(path.join(a, 'up'), '#!/bin/sh\n[ "$1" = status ] && exit 0\n', { mode: 0o755 })
    writeFileSync(path.join(a, 'down'), '#!/bin/sh\n[ "$1" = status ] && exit 3\n', { mode: 0o755 })
    writeFileSync(path.join(a, 'README'), 'not a service', { mode: 0o755 })
    writeFileSync(path.join(a, 'up.dpkg-old'), '#!/bin/sh\n', { mode: 0o755 })
    writeFileSync(path.join(a, 'notes'), 'not executable', { mode: 0o644 })
    writeFileSync(path.join(b, 'up'), '#!/bin/sh\nexit 3\n', { mode: 0o755 })
    writeFileSync(path.join(b, 'noop'), '#!/bin/sh\necho "Usage: noop {start|stop}"\nexit 1\n', { mode: 0o755 })
    expect([...initScripts([a, b, path.join(dir, 'missing')])]).toEqual([['down', path.join(a, 'down')], ['up', path.join(a, 'up')], ['noop', path.join(b, 'noop')]])
    expect((await listSysV([a, b])).map((e) => [e.name, e.state, e.startMode])).toEqual([['down', 'stopped', null], ['up', 'running', null], ['noop', 'unknown', null]])
  })
})
