// `breeze backup` / `breeze restore`: one .tar.gz with a manifest, the database (SQLite file
// made by VACUUM INTO, or a PostgreSQL logical dump), the blobs and the keys.
import { existsSync } from 'node:fs'
import { copyFile, cp, link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as tar from 'tar'
import { ConfigError, type Config } from '../config'
import type { AppContext } from '../context'
import { appliedMigrationTags } from '../db/migrate'
import { checkSnapshotFits, loadSnapshot, snapshotTargetOccupied, writeSnapshot } from '../db/snapshot'
import { version } from '../server'

type Manifest = { format: 'breeze-backup'; formatVersion: 1; breezeVersion: string; dialect: 'sqlite' | 'pg'; createdAt: string; migrations: string[]; blobs: number; tables?: Record<string, number> }

/** createBackup writes the archive to `outFile` and returns a one-line summary. */
export async function createBackup(ctx: AppContext, outFile: string): Promise<string> {
  const stage = await mkdtemp(path.join(os.tmpdir(), 'breeze-backup-'))
  try {
    const manifest: Manifest = { format: 'breeze-backup', formatVersion: 1, breezeVersion: version, dialect: ctx.database.dialect, createdAt: new Date(ctx.clock.now()).toISOString(), migrations: await appliedMigrationTags(ctx.database), blobs: 0 }
    Object.assign(manifest, await writeSnapshot(ctx.database, stage))
    // Blobs are immutable once written (replaced by rename), so hard links taken right after the
    // database snapshot freeze exactly the files it refers to, without copying gigabytes.
    for (const key of await ctx.blobs.keys()) {
      const target = path.join(stage, 'blobs', key)
      await mkdir(path.dirname(target), { recursive: true })
      await link(path.join(ctx.blobs.root, key), target).catch(() => copyFile(path.join(ctx.blobs.root, key), target))
      manifest.blobs++
    }
    await cp(path.join(ctx.config.dataDir, 'keys'), path.join(stage, 'keys'), { recursive: true })
    await writeFile(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2))
    await mkdir(path.dirname(path.resolve(outFile)), { recursive: true })
    await tar.create({ gzip: true, file: outFile, cwd: stage, portable: true }, await readdir(stage))
    return `${manifest.dialect} database, ${manifest.blobs} blobs, ${manifest.migrations.length} migrations`
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
}

/** restoreBackup unpacks an archive into the configured (empty) data directory and database. */
export async function restoreBackup(config: Config, file: string, opts: { force: boolean }): Promise<string> {
  if (!existsSync(file)) throw new ConfigError(`backup file ${file} does not exist`)
  const stage = await mkdtemp(path.join(os.tmpdir(), 'breeze-restore-'))
  try {
    await tar.extract({ file, cwd: stage })
    const manifest = JSON.parse(await readFile(path.join(stage, 'manifest.json'), 'utf8').catch(() => '{}')) as Manifest
    if (manifest.format !== 'breeze-backup') throw new ConfigError(`${file} is not a Breeze backup`)
    checkSnapshotFits(config, manifest.dialect)
    const occupied = existsSync(path.join(config.dataDir, 'keys')) || snapshotTargetOccupied(config)
    if (occupied && !opts.force) throw new ConfigError(`the data directory ${config.dataDir} already holds a Breeze installation; restore into an empty one, or pass --force to replace it`)
    await mkdir(config.dataDir, { recursive: true })
    await rm(path.join(config.dataDir, 'keys'), { recursive: true, force: true })
    await cp(path.join(stage, 'keys'), path.join(config.dataDir, 'keys'), { recursive: true })
    await rm(path.join(config.dataDir, 'blobs'), { recursive: true, force: true })
    if (existsSync(path.join(stage, 'blobs'))) await cp(path.join(stage, 'blobs'), path.join(config.dataDir, 'blobs'), { recursive: true })
    const database = await loadSnapshot(config, stage, manifest.dialect, opts.force)
    return `${database} from ${manifest.createdAt}, ${manifest.blobs} blobs`
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
}
