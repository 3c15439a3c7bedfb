// Which file system the data directory is on, and refusing a network one for SQLite (issue 11,
// item 18): SQLite's write-ahead log keeps its index in shared memory (the -shm file, mmapped)
// and relies on POSIX locks, neither of which NFS, SMB, 9p or FUSE network file systems
// provide reliably; two hosts, or one host and a lost lock, corrupt the database
// (https://www.sqlite.org/wal.html, "WAL does not work over a network filesystem").
import { readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../config'

/** File system types (as /proc/self/mountinfo names them) that live on another machine. */
const networkTypes = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', '9p', 'afs', 'ncpfs', 'coda', 'ceph', 'glusterfs', 'lustre', 'gpfs', 'beegfs', 'davfs',
])
/** FUSE file systems (fuse.<name>) that are network ones. */
const networkFuse = /^fuse\.(sshfs|s3fs|rclone|gcsfuse|goofys|juicefs|glusterfs|cephfs|ceph-fuse|davfs2?|smbnetfs|curlftpfs|moosefs|mfs|lizardfs|seaweedfs|weed|blobfuse2?|azurefile)$/

export type MountInfo = { mountPoint: string; fsType: string; source: string }

/** parseMountInfo reads /proc/self/mountinfo lines (mount point is field 5; the type follows the " - " separator). */
export function parseMountInfo(text: string): MountInfo[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  const mounts: MountInfo[] = []
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const before = line.slice(0, sep).split(' ')
    const after = line.slice(sep + 3).split(' ')
    if (before.length < 5 || after.length < 2) continue
    mounts.push({ mountPoint: unescape(before[4]), fsType: after[0], source: unescape(after[1]) })
  }
  return mounts
}

/** mountOf finds the mount `dir` lives on: the longest mount point containing it (the last one mounted wins a tie). */
export function mountOf(dir: string, mounts: MountInfo[]): MountInfo | null {
  let best: MountInfo | null = null
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || dir === m.mountPoint || dir.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/')
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m
  }
  return best
}

export function isNetworkFs(fsType: string): boolean {
  return networkTypes.has(fsType) || networkFuse.test(fsType)
}

/** readMounts is the mount table of this process; null where there is none to read (not Linux). */
export function readMounts(): string | null {
  try { return readFileSync('/proc/self/mountinfo', 'utf8') } catch { return null }
}

/**
 * checkDataDirFs refuses a data directory on a network file system when the database is the
 * SQLite file in it, unless allowed (--allow-network-fs / BREEZE_ALLOW_NETWORK_FS=1); returns
 * the mount when it is a network one (allowed), for a warning, and null otherwise. `mountTable`
 * is injectable for tests.
 */
export function checkDataDirFs(dataDir: string, opts: { sqlite: boolean; allow: boolean; mountTable?: string | null }): MountInfo | null {
  if (!opts.sqlite) return null
  const table = opts.mountTable === undefined ? readMounts() : opts.mountTable
  if (!table) return null
  let dir = path.resolve(dataDir)
  try { dir = realpathSync(dir) } catch { /* not created yet: its parent's mount is what counts, and the longest prefix finds it */ }
  const mount = mountOf(dir, parseMountInfo(table))
  if (!mount || !isNetworkFs(mount.fsType)) return null
  if (opts.allow) return mount
  throw new ConfigError(`the data directory ${dataDir} is on a network file system (${mount.fsType} ${mount.source} at ${mount.mountPoint}). ` +
    `Its SQLite database uses a write-ahead log that needs shared memory and file locks network file systems do not provide reliably, which corrupts the database. ` +
    `Put the data directory on a local disk (--data-dir / BREEZE_DATA_DIR), or use PostgreSQL (DATABASE_URL); ` +
    `if you are sure this file system is safe (one host, working locks), start with --allow-network-fs or BREEZE_ALLOW_NETWORK_FS=1.`)
}
