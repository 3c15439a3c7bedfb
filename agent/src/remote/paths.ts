// Path checks for the file manager, done here on the endpoint where the filesystem is. A
// path must be absolute and free of `..` segments and NUL bytes; when the organization
// limits the file manager to some folders (roots), the real location of the path — after
// following every symlink, or for a new file its folder's — must lie inside one of them.
import { realpathSync } from 'node:fs'
import path from 'node:path'

export class PathRefused extends Error {}

const isWindows = process.platform === 'win32'
const p = isWindows ? path.win32 : path.posix

export function isAbsolute(input: string): boolean {
  return isWindows ? /^[A-Za-z]:[\\/]/.test(input) || input.startsWith('\\\\') : input.startsWith('/')
}

/** clean refuses what no file manager sends (relative paths, `..`, NUL) and normalises the rest. */
export function clean(input: string): string {
  if (input.includes('\0')) throw new PathRefused('the path contains a NUL byte')
  if (!isAbsolute(input)) throw new PathRefused(`"${input}" is not an absolute path`)
  if (input.split(/[\\/]+/).includes('..')) throw new PathRefused('paths with ".." are not accepted')
  return p.normalize(input)
}

function inside(child: string, parent: string): boolean {
  const rel = p.relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel))
}

/** realExisting is the real path of `target` when it exists, else of its nearest existing ancestor joined with the rest. */
function realExisting(target: string): string {
  let current = target
  const rest: string[] = []
  for (;;) {
    try {
      return p.join(realpathSync.native(current), ...rest.reverse())
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err
      const parent = p.dirname(current)
      if (parent === current) return target
      rest.push(p.basename(current))
      current = parent
    }
  }
}

export class PathPolicy {
  private realRoots: string[]

  /** roots: absolute folders (empty = the whole filesystem). Roots that do not exist are ignored. */
  constructor(readonly roots: string[]) {
    this.realRoots = roots.flatMap((r) => { try { return [realpathSync.native(clean(r))] } catch { return [] } })
  }

  get unrestricted(): boolean { return this.roots.length === 0 }

  /** check returns the cleaned path when it may be used, or throws PathRefused. */
  check(input: string): string {
    const cleaned = clean(input)
    if (this.unrestricted) return cleaned
    if (this.realRoots.length === 0) throw new PathRefused('none of the folders this organization allows exists on this device')
    if (!this.realRoots.some((root) => inside(cleaned, root) || this.roots.some((r) => inside(cleaned, p.normalize(r))))) throw new PathRefused(`"${cleaned}" is outside the folders this organization allows`)
    const real = realExisting(cleaned)
    if (!this.realRoots.some((root) => inside(real, root))) throw new PathRefused(`"${cleaned}" leads outside the allowed folders (through a symbolic link)`)
    return cleaned
  }

  /** listRoots: where browsing starts. */
  listRoots(): string[] {
    if (!this.unrestricted) return this.realRoots
    if (!isWindows) return ['/']
    const drives: string[] = []
    for (let c = 67; c <= 90; c++) { try { realpathSync.native(`${String.fromCharCode(c)}:\\`); drives.push(`${String.fromCharCode(c)}:\\`) } catch {} }
    return drives
  }

  join(dir: string, name: string): string { return p.join(dir, name) }
  dirname(file: string): string { return p.dirname(file) }
  basename(file: string): string { return p.basename(file) }
}
