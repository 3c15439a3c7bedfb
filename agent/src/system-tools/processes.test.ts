// The process tools' pure parts: /proc/<pid>/stat, selecting and sorting, the alert watch,
// process trees, and Windows' tasklist output.
import { describe, expect, test } from 'bun:test'
import { descendants, parseProcStat, parseTasklist, selectProcesses, summarizeWatch, type ProcRow } from './processes'

const row = (pid: number, name: string, cpu = 0, mem = 10, over: Partial<ProcRow> = {}): ProcRow => ({ pid, ppid: 1, name, user: 'root', cpuPercent: cpu, memoryMb: mem, command: `/usr/bin/${name}`, startedAt: null, ...over })

describe('process tools', () => {
  test('/proc/<pid>/stat: the name may hold spaces and parentheses', () => {
    // Recorded on Debian 12 (cat /proc/self/stat), then the same line with a hostile name.
    const real = '27031 (cat) R 27026 27026 1613 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 651346 3133440 401 18446744073709551615 93967918428160 93967918448041 140732591180592 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93967918464048 93967918465664 93968110587904 140732591184392 140732591184412 140732591184412 140732591185899 0'
    expect(parseProcStat(real)).toEqual({ pid: 27031, comm: 'cat', ppid: 27026, ticks: 10, startTicks: 651346, rssPages: 401 })
    expect(parseProcStat(real.replace('(cat)', '(we (ird) ) x)'))).toMatchObject({ pid: 27031, comm: 'we (ird) ) x', ppid: 27026, rssPages: 401 })
    expect(parseProcStat('garbage')).toBeNull()
  })

  test('select: search in name, user, command or PID; sort; limit; counts before the limit', () => {
    const rows = [row(10, 'nginx', 5, 50), row(11, 'nginx', 1, 40), row(20, 'postgres', 30, 500, { user: 'postgres' }), row(30, 'sleep', 0, 1, { command: 'sleep 4242' })]
    expect(selectProcesses(rows, { sortBy: 'cpu' }).processes.map((p) => p.pid)).toEqual([20, 10, 11, 30])
    expect(selectProcesses(rows, { sortBy: 'memory', limit: 2 })).toMatchObject({ total: 4, matched: 4, processes: [{ pid: 20 }, { pid: 10 }] })
    expect(selectProcesses(rows, { sortBy: 'name' }).processes.map((p) => p.name)).toEqual(['nginx', 'nginx', 'postgres', 'sleep'])
    expect(selectProcesses(rows, { search: 'NGINX' })).toMatchObject({ total: 4, matched: 2 })
    expect(selectProcesses(rows, { search: '4242' }).processes.map((p) => p.pid)).toEqual([30])
    expect(selectProcesses(rows, { search: 'postgres' }).processes.map((p) => p.pid)).toEqual([20])
    expect(selectProcesses(rows, { search: '30' }).processes.map((p) => p.pid)).toEqual([30])
  })

  test('watch: count and total CPU per glob, .exe optional, capped at 100', () => {
    const rows = [row(1, 'chrome.exe', 60), row(2, 'chrome.exe', 55), row(3, 'nginx', 2), row(4, 'nginx-worker', 1)]
    expect(summarizeWatch(rows, ['chrome', 'nginx', 'nginx*', 'sshd'])).toEqual([
      { pattern: 'chrome', count: 2, cpuPercent: 100, memoryMb: 20 },
      { pattern: 'nginx', count: 1, cpuPercent: 2, memoryMb: 10 },
      { pattern: 'nginx*', count: 2, cpuPercent: 3, memoryMb: 20 },
      { pattern: 'sshd', count: 0, cpuPercent: 0, memoryMb: 0 },
    ])
  })

  test('descendants: breadth first, cycles and unknown parents are harmless', () => {
    const rows = [{ pid: 1, ppid: 0 }, { pid: 10, ppid: 1 }, { pid: 11, ppid: 10 }, { pid: 12, ppid: 10 }, { pid: 13, ppid: 12 }, { pid: 20, ppid: 1 }, { pid: 30, ppid: 31 }, { pid: 31, ppid: 30 }]
    expect(descendants(rows, 10)).toEqual([11, 12, 13])
    expect(descendants(rows, 13)).toEqual([])
    expect(descendants(rows, 30)).toEqual([31])
  })

  test('tasklist /FO CSV /NH (Windows): one quoted line per process, an INFO line when none', () => {
    expect(parseTasklist('"notepad.exe","4312","Console","1","14,236 K"\r\n')).toEqual([{ name: 'notepad.exe', pid: 4312 }])
    expect(parseTasklist('INFO: No tasks are running which match the specified criteria.\r\n')).toEqual([])
  })
})
