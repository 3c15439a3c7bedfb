// The event log readers' pure parts on recorded output: journalctl -o json (recorded on Debian 12
// from a journald the test harness started, lines written with logger), a Debian syslog file,
// Get-WinEvent through the agent's script (its JSON shape, both PowerShell 5.1 and 7 dates, a
// lone event), and macOS `log show --style json`; levels, paging with cursors, the tool arguments.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { EventLogEntry } from '../../../src/protocol'
import { atLeast, filterEntries, journalArgs, macPredicate, newestFirst, page, parseCursor, parseJournal, parseMacLog, parseSyslogLine, parseWinEvents } from './eventlogs'

const fixture = (name: string) => readFileSync(path.join(import.meta.dir, 'fixtures', name), 'utf8')

describe('event log parsers', () => {
  test('journalctl -o json: time in ms, priority as level, identifier as source, byte-array messages decoded', () => {
    const entries = parseJournal(fixture('journalctl-debian12.jsonl'))
    expect(entries.length).toBe(7)
    const bySource = (s: string) => entries.filter((e) => e.source === s)
    expect(bySource('sshd')[0]).toEqual({ time: expect.any(Number), level: 'warning', source: 'sshd', eventId: null, message: 'Failed password for invalid user admin from 192.0.2.7 port 50514 ssh2' })
    expect(bySource('nginx')[0].level).toBe('error')
    expect(bySource('cron')[0].level).toBe('verbose')
    expect(bySource('breeze-fixture').map((e) => [e.level, e.message])).toEqual([['info', '<script>alert(1)</script> & "quotes"'], ['info', 'disk check finished: 3 volumes ok']])
    // Not valid UTF-8: journalctl prints MESSAGE as an array of bytes.
    expect(bySource('legacy-app')[0].message).toBe('latin1 caf\uFFFD bytes')
    const first = JSON.parse(fixture('journalctl-debian12.jsonl').split('\n')[0])
    expect(entries[0].time).toBe(Math.floor(Number(first.__REALTIME_TIMESTAMP) / 1000))
    expect(parseJournal('not json\n{"MESSAGE":"no time"}\n')).toEqual([])
  })

  test('syslog lines: RFC 3339 and traditional stamps, the tag and pid split off, no level', () => {
    const now = Date.parse('2026-12-08T00:00:00Z')
    const lines = fixture('syslog-debian.txt').split('\n').filter(Boolean)
    const entries = lines.map((l) => parseSyslogLine(l, now))
    expect(entries[0]).toEqual({ time: Date.parse('2026-12-07T19:52:28.718Z'), level: null, source: 'systemd', eventId: null, message: 'Started cron.service - Regular background program processing daemon.' })
    expect(entries[1]).toMatchObject({ source: 'sshd', message: 'Failed password for invalid user admin from 192.0.2.7 port 50514 ssh2' })
    expect(entries[3]).toMatchObject({ source: 'kernel', message: '[ 1234.567890] EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro' })
    expect(entries[4]).toBeNull()
    expect(entries[5]).toMatchObject({ time: new Date(2026, 11, 7, 19, 52, 31).getTime(), source: 'CRON', message: '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)' })
    // A traditional stamp "in the future" is last year's.
    expect(parseSyslogLine('Dec 31 23:59:59 h app: x', Date.parse('2026-01-01T12:00:00Z'))!.time).toBe(new Date(2025, 11, 31, 23, 59, 59).getTime())
  })

  test('Get-WinEvent through the agent script: levels 1–5, provider, event id; a lone event and /Date()/ times (PowerShell 5.1)', () => {
    const { logs, entries } = parseWinEvents(fixture('get-winevent.json'))
    expect(logs).toEqual(['Application', 'System', 'Security', 'Setup'])
    expect(entries.map((e) => [e.level, e.eventId, e.source])).toEqual([['info', 7036, 'Service Control Manager'], ['critical', 41, 'Microsoft-Windows-Kernel-Power'], ['warning', 10016, 'Microsoft-Windows-DistributedCOM'], ['error', 7000, 'Service Control Manager']])
    expect(entries[0].time).toBe(1733569200123)
    expect(entries[3].message).toContain('<Breeze & Co>')
    const lone = parseWinEvents(fixture('get-winevent-lone.json'))
    expect(lone).toEqual({ logs: ['System'], entries: [{ time: 1733569200123, level: 'info', source: 'EventLog', eventId: 6005, message: 'The Event log service was started.' }] })
  })

  test('log show --style json: message types as levels, subsystem or process as source, a cut-off array keeps whole entries', () => {
    const text = fixture('log-show-macos.json')
    const entries = parseMacLog(text)
    expect(entries.map((e) => [e.level, e.source])).toEqual([['info', 'sudo'], ['error', 'com.apple.securityd'], ['critical', 'kernel'], ['verbose', 'system']])
    expect(entries[0].time).toBe(Date.parse('2025-08-09T10:11:55.521-04:00'))
    expect(entries[2].message).toBe('hfs: mounted Firefox on device disk4s3')
    const cut = text.slice(0, text.indexOf('"Fault"'))
    expect(parseMacLog(cut).map((e) => e.level)).toEqual(['info', 'error'])
  })
})

describe('filters and paging', () => {
  const at = (time: number, message: string, level: EventLogEntry['level'] = 'info'): EventLogEntry => ({ time, level, source: 'app', eventId: null, message })

  test('levels: this level and worse; entries without a level only under info and verbose', () => {
    expect(atLeast('error', 'warning')).toBe(true)
    expect(atLeast('warning', 'error')).toBe(false)
    expect(atLeast('critical', 'critical')).toBe(true)
    expect(atLeast(null, 'info')).toBe(true)
    expect(atLeast(null, 'warning')).toBe(false)
    expect(filterEntries([at(1, 'Disk FULL'), at(2, 'ok', 'error')], { q: 'full' }).map((e) => e.message)).toEqual(['Disk FULL'])
    expect(filterEntries([at(1, 'a'), at(2, 'b'), at(3, 'c')], { since: 2, until: 2 }).map((e) => e.message)).toEqual(['b'])
  })

  test('pages never lose or repeat entries that share a timestamp', () => {
    // Ten lines, several in the same millisecond (a syslog file has second-resolution stamps).
    const all = newestFirst([at(1, 'a'), at(2, 'b'), at(2, 'c'), at(2, 'd'), at(3, 'e'), at(3, 'f'), at(3, 'g'), at(3, 'h'), at(4, 'i'), at(5, 'j')])
    expect(all.map((e) => e.message).join('')).toBe('jihgfedcba')
    for (const limit of [1, 2, 3, 4]) {
      const seen: string[] = []
      let cursor: string | null = null
      for (let i = 0; i < 20; i++) {
        const p = page(all, limit, parseCursor(cursor ?? undefined))
        seen.push(...p.entries.map((e) => e.message))
        cursor = p.nextCursor
        if (!cursor) break
      }
      expect(seen.join('')).toBe('jihgfedcba')
    }
  })

  test('tool arguments carry user text as arguments, never as code', () => {
    expect(journalArgs({ limit: 50, level: 'warning', source: 'sshd', q: 'a.b(c' }, 51, 1000)).toEqual(['-o', 'json', '--no-pager', '-r', '-n', '51', '-p', '0..4', '--until=@1.001', '-t', 'sshd', '--case-sensitive=false', '-g', 'a\\.b\\(c'])
    expect(macPredicate({ level: 'error', source: 'sshd', q: 'say "hi" \\ bye' })).toBe('(messageType == error OR messageType == fault) AND (process == "sshd" OR subsystem == "sshd") AND eventMessage CONTAINS[c] "say \\"hi\\" \\\\ bye"')
    expect(macPredicate({})).toBeNull()
  })
})
