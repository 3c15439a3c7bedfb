import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setupAdmin, testPassword } from '../testing/factories'
import { freshPostgresDatabase, startTestServer, usingPostgres, type TestServer } from '../testing/server'

let s: TestServer
const work = mkdtempSync(path.join(os.tmpdir(), 'breeze-backup-test-'))

beforeAll(async () => {
  s = await startTestServer()
  await setupAdmin(s.ctx)
  const c = s.client()
  await c.login('admin@example.com', testPassword)
  const org = (await c.post('/api/v1/orgs', { name: 'Backed Up Inc', contractStart: '2026-01-01', billingContact: { email: 'ap@backed.example' } })).json
  await c.post('/api/v1/sites', { orgId: org.id, name: 'Main office', timezone: 'Europe/Paris' })
  await s.ctx.blobs.put('outputs/sample.txt', 'blob contents survive')
})
afterAll(async () => {
  await s.stop()
  rmSync(work, { recursive: true, force: true })
})

function cli(args: string[]) {
  const proc = Bun.spawnSync(['bun', 'src/main.ts', ...args], { env: { ...process.env, BREEZE_LOG_LEVEL: 'error' } })
  return { code: proc.exitCode, out: proc.stdout.toString() + proc.stderr.toString() }
}
const dbFlag = (url: string) => (url ? ['--database-url', url] : [])

describe('backup and restore', () => {
  test('an online backup restored into a new data dir gives the same data', async () => {
    const file = path.join(work, 'breeze-backup.tar.gz')
    const backup = cli(['backup', '--out', file, '--data-dir', s.dataDir, ...dbFlag(s.databaseUrl)])
    expect(backup.out).toContain('backup written')
    expect(backup.code).toBe(0)

    const target = path.join(work, 'restored')
    const targetDb = usingPostgres ? await freshPostgresDatabase() : null
    try {
      const restore = cli(['restore', file, '--data-dir', target, ...dbFlag(targetDb?.url ?? '')])
      expect(restore.out).toContain('restored')
      expect(restore.code).toBe(0)
      // A second restore into the now-occupied place is refused without --force.
      const again = cli(['restore', file, '--data-dir', target, ...dbFlag(targetDb?.url ?? '')])
      expect(again.code).toBe(2)
      expect(again.out).toContain('--force')

      const restored = await startTestServer({ dataDir: target, databaseUrl: targetDb?.url })
      try {
        const c = restored.client()
        expect((await c.login('admin@example.com', testPassword)).status).toBe(200)
        const orgs = await c.get('/api/v1/orgs?search=Backed')
        expect(orgs.json.data).toHaveLength(1)
        expect(orgs.json.data[0].billingContact).toEqual({ email: 'ap@backed.example' })
        const sites = await c.get(`/api/v1/sites?orgId=${orgs.json.data[0].id}`)
        expect(sites.json.data[0].timezone).toBe('Europe/Paris')
        expect(await (await restored.ctx.blobs.get('outputs/sample.txt'))!.text()).toBe('blob contents survive')
        // The keys came along: the audit chain (keyed) still verifies and secrets still open.
        const verify = cli(['audit', 'verify', '--data-dir', target, ...dbFlag(targetDb?.url ?? '')])
        expect(verify.out).toContain('audit log intact')
      } finally {
        await restored.stop()
      }
    } finally {
      await targetDb?.drop()
    }
  })

  test('restoring something that is not a backup fails clearly', async () => {
    const bogus = path.join(work, 'bogus.tar.gz')
    await Bun.write(bogus, 'not a tarball')
    const res = cli(['restore', bogus, '--data-dir', path.join(work, 'x')])
    expect(res.code).not.toBe(0)
  })
})
