// Refusing a data directory on a network file system (SQLite's WAL does not survive one) unless
// --allow-network-fs / BREEZE_ALLOW_NETWORK_FS=1, and the SQLite version guard (issue 11, item 18).
// No network mount is available here: the detection is tested on mount tables as Linux writes
// them, and the refusal through the real start-up with such a table handed in.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config'
import { minSqliteVersion, sqliteVersionProblem, versionAtLeast } from '../db'
import { createLogger } from '../lib/log'
import { startServer } from '../server'
import { usingPostgres } from '../testing/server'
import { checkDataDirFs, isNetworkFs, mountOf, parseMountInfo } from './filesystem'

const table = (dataDirMount: string, type: string, source: string) => [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw',
  '24 22 0:22 / /srv/data\\040dir rw,relatime shared:2 - ext4 /dev/sdb1 rw',
  `25 22 0:23 / ${dataDirMount} rw,relatime shared:3 - ${type} ${source} rw,vers=4.2`,
].join('\n') + '\n'

describe('detection', () => {
  test('reads mount points (with escaped spaces) and types from mountinfo; the longest mount point containing the directory wins', () => {
    const mounts = parseMountInfo(table('/mnt/breeze', 'nfs4', 'nas:/export/breeze'))
    expect(mounts.map((m) => [m.mountPoint, m.fsType])).toEqual([['/', 'ext4'], ['/proc', 'proc'], ['/srv/data dir', 'ext4'], ['/mnt/breeze', 'nfs4']])
    expect(mountOf('/mnt/breeze/data', mounts)?.fsType).toBe('nfs4')
    expect(mountOf('/mnt/breeze', mounts)?.fsType).toBe('nfs4')
    expect(mountOf('/mnt/breezeother', mounts)?.fsType).toBe('ext4')
    expect(mountOf('/srv/data dir/x', mounts)?.source).toBe('/dev/sdb1')
  })

  test('network file systems by type', () => {
    for (const type of ['nfs', 'nfs4', 'cifs', 'smb3', '9p', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs', 'ceph', 'glusterfs']) expect(isNetworkFs(type)).toBe(true)
    for (const type of ['ext4', 'xfs', 'btrfs', 'zfs', 'tmpfs', 'overlay', 'fuse.mergerfs', 'virtiofs', 'fuseblk']) expect(isNetworkFs(type)).toBe(false)
  })

  test('refuses SQLite on a network mount unless allowed; PostgreSQL, a local disk and a system without a mount table pass', () => {
    const nfs = table('/mnt/breeze', 'nfs4', 'nas:/export/breeze')
    expect(() => checkDataDirFs('/mnt/breeze/data', { sqlite: true, allow: false, mountTable: nfs })).toThrow(/network file system \(nfs4 nas:\/export\/breeze at \/mnt\/breeze\).*--allow-network-fs or BREEZE_ALLOW_NETWORK_FS=1/)
    expect(checkDataDirFs('/mnt/breeze/data', { sqlite: true, allow: true, mountTable: nfs })?.fsType).toBe('nfs4')
    expect(checkDataDirFs('/mnt/breeze/data', { sqlite: false, allow: false, mountTable: nfs })).toBeNull()
    expect(checkDataDirFs('/var/lib/breeze', { sqlite: true, allow: false, mountTable: nfs })).toBeNull()
    expect(checkDataDirFs('/mnt/breeze/data', { sqlite: true, allow: false, mountTable: null })).toBeNull()
    // This machine's own table: the test data directory is on a local disk.
    expect(checkDataDirFs(os.tmpdir(), { sqlite: true, allow: false })).toBeNull()
  })

  test('the SQLite version guard', () => {
    expect(versionAtLeast('3.54.1', minSqliteVersion)).toBe(true)
    expect(versionAtLeast('3.38.0', '3.38.0')).toBe(true)
    expect(versionAtLeast('3.9.2', '3.38.0')).toBe(false)
    expect(sqliteVersionProblem('3.37.2')).toContain('SQLite 3.37.2 is too old: Breeze needs 3.38.0 or newer')
    expect(sqliteVersionProblem('3.45.1')).toBeNull()
  })
})

describe.skipIf(usingPostgres)('start-up on a network file system (SQLite)', () => {
  test('refused with a message naming the mount and the flag; with the flag it starts, warns, and logs the SQLite version', async () => {
    const dataDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bz-nfs-')))
    const nfs = table(path.dirname(dataDir), 'nfs4', 'nas:/export/breeze')
    try {
      const refused = await startServer(loadConfig({ port: '0', host: '127.0.0.1', 'data-dir': dataDir }, { BREEZE_LOG_LEVEL: 'error' }), { log: createLogger('error', () => {}), mountTable: nfs }).catch((e) => e)
      expect(refused).toBeInstanceOf(Error)
      expect(refused.message).toContain(`the data directory ${dataDir} is on a network file system (nfs4 nas:/export/breeze at ${path.dirname(dataDir)})`)
      const lines: string[] = []
      const s = await startServer(loadConfig({ port: '0', host: '127.0.0.1', 'data-dir': dataDir }, { BREEZE_ALLOW_NETWORK_FS: '1', BREEZE_LOG_LEVEL: 'error' }), { log: createLogger('info', (l) => lines.push(l)), mountTable: nfs })
      await s.stop()
      const entries = lines.map((l) => JSON.parse(l))
      expect(entries.find((e) => e.msg.startsWith('the data directory is on a network file system'))).toMatchObject({ level: 'warn', fsType: 'nfs4' })
      expect(entries.find((e) => e.msg === 'breeze started')?.databaseVersion).toMatch(/^3\.\d+\.\d+$/)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  test('the CLI takes --allow-network-fs on every command and documents it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bz-nfs-cli-'))
    try {
      const run = (...args: string[]) => Bun.spawnSync(['bun', path.join(import.meta.dir, '../main.ts'), ...args], { stderr: 'pipe', stdout: 'pipe', env: { ...process.env, DATABASE_URL: '' } })
      const migrated = run('migrate', '--allow-network-fs', '--data-dir', dataDir)
      expect(migrated.stderr.toString()).toBe('')
      expect(migrated.exitCode).toBe(0)
      expect(run('serve', '--help').stdout.toString()).toContain('--allow-network-fs')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
