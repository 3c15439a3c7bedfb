// A consistent copy of the whole database for backups, and loading it back. SQLite: the file
// itself via VACUUM INTO. PostgreSQL: a logical dump of Breeze's tables (src/db/dump.ts).
import { existsSync } from 'node:fs'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from '../config'
import { dumpPostgres, hasUsers, loadPostgres } from './dump'
import { openDatabase, type Database } from './index'
import { migrate } from './migrate'
import type { Dialect } from './tables'

/** writeSnapshot copies the database into `dir` while the server keeps writing. */
export async function writeSnapshot(database: Database, dir: string): Promise<{ dialect: Dialect; tables?: Record<string, number> }> {
  if (database.sqlite) {
    // VACUUM INTO writes a transactionally consistent copy while other connections keep writing.
    database.sqlite.run('VACUUM INTO ?', [path.join(dir, 'breeze.db')])
    return { dialect: 'sqlite' }
  }
  await mkdir(path.join(dir, 'pg'))
  return { dialect: 'pg', tables: await dumpPostgres(database.pg!, path.join(dir, 'pg')) }
}

/** snapshotTargetOccupied: would restoring into this configuration overwrite a database? (PostgreSQL is checked after connecting.) */
export function snapshotTargetOccupied(opts: { dataDir: string; databaseUrl: string }): boolean {
  return opts.databaseUrl === '' && existsSync(path.join(opts.dataDir, 'breeze.db'))
}

/** checkSnapshotFits throws, before anything is touched, when the snapshot is of the other database kind. */
export function checkSnapshotFits(opts: { databaseUrl: string }, dialect: Dialect) {
  if ((dialect === 'pg') !== (opts.databaseUrl !== '')) {
    throw new ConfigError(dialect === 'pg'
      ? 'this backup is of a PostgreSQL database: restore it with --database-url (or DATABASE_URL) set'
      : 'this backup is of a SQLite database: restore it without DATABASE_URL')
  }
}

/**
 * loadSnapshot puts a snapshot written by writeSnapshot into the configured database and
 * migrates it to this version. Returns a summary for the user.
 */
export async function loadSnapshot(opts: { dataDir: string; databaseUrl: string }, dir: string, dialect: Dialect, force: boolean): Promise<string> {
  checkSnapshotFits(opts, dialect)
  const targetPg = opts.databaseUrl !== ''
  let rows = ''
  if (!targetPg) {
    const dbFile = path.join(opts.dataDir, 'breeze.db')
    for (const suffix of ['', '-wal', '-shm']) await rm(dbFile + suffix, { force: true })
    await copyFile(path.join(dir, 'breeze.db'), dbFile)
  }
  const database = await openDatabase(opts)
  try {
    if (targetPg) {
      await migrate(database)
      if ((await hasUsers(database.pg!)) && !force) throw new ConfigError('the target PostgreSQL database already holds Breeze data; use an empty database, or pass --force to replace it')
      const counts = await loadPostgres(database.pg!, path.join(dir, 'pg'), { replace: force })
      rows = `, ${Object.values(counts).reduce((a, b) => a + b, 0)} rows`
    }
    // A snapshot from an older version is brought up to date.
    await migrate(database)
  } finally {
    await database.close()
  }
  return `${dialect} database${rows}`
}
