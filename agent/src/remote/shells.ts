// Which shells this endpoint has, for the terminal's shell choice. On Linux and macOS the
// list comes from /etc/shells (what the system says is a login shell) filtered to the ones
// that exist, plus the common names found on PATH; on Windows, PowerShell and cmd.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import os from 'node:os'
import { inheritedEnvironment } from '../../config'

export type Shell = { name: string; path: string }

const isWindows = process.platform === 'win32'
const preferred = ['bash', 'zsh', 'fish', 'sh', 'dash', 'ksh']

/** listShells returns the shells present, the preferred ones first. */
export function listShells(): Shell[] {
  const found = new Map<string, Shell>()
  const add = (p: string | null) => {
    if (!p || !existsSync(p)) return
    const name = path.basename(p).replace(/\.exe$/i, '')
    if (!found.has(p)) found.set(p, { name, path: p })
  }
  if (isWindows) {
    for (const name of ['pwsh.exe', 'powershell.exe', 'cmd.exe']) add(Bun.which(name))
  } else {
    try {
      for (const line of readFileSync('/etc/shells', 'utf8').split('\n')) if (line.startsWith('/')) add(line.trim())
    } catch {}
    for (const name of preferred) add(Bun.which(name))
    add(Bun.which('pwsh'))
  }
  // note: /bin/bash and /usr/bin/bash are often the same file; keep one entry per name.
  const byName = new Map<string, Shell>()
  for (const s of found.values()) if (!byName.has(s.name)) byName.set(s.name, s)
  const rank = (s: Shell) => { const i = [...preferred, 'pwsh', 'powershell', 'cmd'].indexOf(s.name); return i < 0 ? 99 : i }
  return [...byName.values()].sort((a, b) => rank(a) - rank(b)).slice(0, 16)
}

/** defaultShell: the user's $SHELL when it exists, else the first shell found. */
export function defaultShell(shells = listShells()): string | null {
  const env = inheritedEnvironment()
  if (!isWindows && env.SHELL && existsSync(env.SHELL)) return env.SHELL
  return shells[0]?.path ?? null
}

/**
 * resolveShell turns what the server asked for (a path or name from the list, or nothing)
 * into a shell that exists here; anything not in the list is refused.
 */
export function resolveShell(asked: string | null | undefined): Shell {
  const shells = listShells()
  if (!asked) {
    const p = defaultShell(shells)
    if (!p) throw new Error('no shell found on this device')
    return shells.find((s) => s.path === p) ?? { name: path.basename(p), path: p }
  }
  const match = shells.find((s) => s.path === asked || s.name === asked)
  if (!match) throw new Error(`the shell "${asked}" is not available on this device (found: ${shells.map((s) => s.name).join(', ') || 'none'})`)
  return match
}

/** shellArgs: a login-style interactive shell, so the user's profile and prompt are there. */
export function shellArgs(shell: Shell): string[] {
  if (isWindows) return shell.name === 'cmd' ? [] : ['-NoLogo']
  return ['bash', 'zsh', 'sh', 'dash', 'ksh', 'fish'].includes(shell.name) ? ['-l'] : []
}

export function homeDirectory(): string | null {
  try { return os.homedir() } catch { return null }
}
