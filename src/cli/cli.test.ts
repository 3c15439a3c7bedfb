// The CLI as a user meets it: help, bad flags, bad config, offline commands.
import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync(['bun', 'src/main.ts', ...args], { env: { ...process.env, BREEZE_LOG_LEVEL: 'error', DATABASE_URL: '', ...env }, timeout: 30_000 })
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() }
}

describe('breeze CLI', () => {
  test('--help lists the commands; each command has its own --help', () => {
    const top = cli(['--help'])
    expect(top.code).toBe(0)
    for (const c of ['serve', 'migrate', 'setup', 'backup', 'restore', 'audit verify', 'api-key create', 'version']) expect(top.out).toContain(c)
    for (const c of [['serve'], ['migrate'], ['setup'], ['backup'], ['restore'], ['audit', 'verify'], ['api-key', 'create']]) {
      const res = cli([...c, '--help'])
      expect(res.code).toBe(0)
      expect(res.out).toContain('breeze ' + c[0])
    }
  })

  test('version prints the version', () => {
    const res = cli(['version'])
    expect(res.code).toBe(0)
    expect(res.out).toMatch(/^breeze \d+\.\d+\.\d+/)
  })

  test('an unknown command or flag is a clear error with a non-zero exit', () => {
    const unknown = cli(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('unknown command "frobnicate"')
    const flag = cli(['serve', '--prot', '8080'])
    expect(flag.code).toBe(2)
    expect(flag.err).toContain("Unknown option '--prot'")
    const port = cli(['serve', '--port', 'eighty'])
    expect(port.code).toBe(2)
    expect(port.err).toContain('port must be an integer')
  })

  test('the server refuses a data directory it cannot write, saying what to fix', () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere; use a path under a regular file instead.
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bz-')), 'file')
      Bun.write(file, 'x')
      const res = cli(['serve', '--port', '0', '--data-dir', path.join(file, 'data')])
      expect(res.code).toBe(2)
      expect(res.err).toContain('is not writable')
      expect(res.err).toContain('--data-dir')
      return
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-'))
    chmodSync(dir, 0o500)
    const res = cli(['serve', '--port', '0', '--data-dir', path.join(dir, 'data')])
    expect(res.code).toBe(2)
    expect(res.err).toContain('is not writable')
    rmSync(dir, { recursive: true, force: true })
  })

  test('the server refuses an unreachable database, saying what to fix', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-'))
    const res = cli(['serve', '--port', '0', '--data-dir', dir, '--database-url', 'postgres://postgres:secretpw@127.0.0.1:1/breeze'])
    expect(res.code).toBe(2)
    expect(res.err).toContain('cannot reach PostgreSQL')
    expect(res.err).toContain('Check DATABASE_URL')
    expect(res.err).not.toContain('secretpw')
    const bad = cli(['serve', '--port', '0', '--data-dir', dir, '--database-url', 'mysql://x'])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('DATABASE_URL must start with postgres://')
    rmSync(dir, { recursive: true, force: true })
  })

  test('migrate and setup work offline on a fresh data directory', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-'))
    const status = cli(['migrate', '--status', '--data-dir', dir])
    expect(status.out).toContain('pending  0000_init')
    expect(cli(['migrate', '--data-dir', dir]).out).toContain('up to date')
    expect(cli(['migrate', '--status', '--data-dir', dir]).out).toContain('applied  0000_init')
    const missing = cli(['setup', '--email', 'a@example.com', '--data-dir', dir])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('--password is required')
    const ok = cli(['setup', '--email', 'a@example.com', '--password', 'a long password', '--partner-name', 'Acme', '--data-dir', dir])
    expect(ok.out).toContain('created partner "Acme" and administrator a@example.com')
    const twice = cli(['setup', '--email', 'b@example.com', '--password', 'a long password', '--partner-name', 'Acme', '--data-dir', dir])
    expect(twice.code).toBe(2)
    expect(twice.err).toContain('already set up')
    rmSync(dir, { recursive: true, force: true })
  })
})
