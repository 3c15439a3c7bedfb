// Every built-in template parses in its language (where the interpreter is on this machine),
// declares the parameters it reads, and the Linux ones run for real here.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { templates } from './catalog'

const dir = mkdtempSync(path.join(os.tmpdir(), 'bz-tpl-'))
const has = (cmd: string) => Bun.spawnSync(['sh', '-c', `command -v ${cmd}`]).exitCode === 0

describe('built-in script templates', () => {
  test('there are at least 25, across Linux, macOS and Windows, with unique keys', () => {
    expect(templates.length).toBeGreaterThanOrEqual(25)
    expect(new Set(templates.map((t) => t.key)).size).toBe(templates.length)
    for (const os of ['linux', 'macos', 'windows'] as const) expect(templates.filter((t) => t.osTypes.includes(os)).length).toBeGreaterThanOrEqual(5)
  })

  for (const tpl of templates) {
    test(`${tpl.key} is valid ${tpl.language}`, () => {
      const file = path.join(dir, tpl.key.replace('/', '-'))
      writeFileSync(file, tpl.content)
      if (tpl.language === 'bash' || tpl.language === 'sh') expect(Bun.spawnSync(['bash', '-n', file]).exitCode).toBe(0)
      if (tpl.language === 'python' && has('python3')) expect(Bun.spawnSync(['python3', '-m', 'py_compile', file]).exitCode).toBe(0)
      // Every parameter the script reads from the environment is declared (shell and Python).
      if (tpl.language !== 'powershell' && tpl.language !== 'cmd') {
        const read = new Set([...tpl.content.matchAll(/\$\{([A-Z_][A-Z0-9_]*)[:}]/g), ...tpl.content.matchAll(/environ(?:\.get)?\(\s*"([A-Z_][A-Z0-9_]*)"/g)].map((m) => m[1]))
        for (const name of read) expect(tpl.parameters.map((p) => p.name)).toContain(name)
      } else if (tpl.language === 'powershell') {
        const declared = /param\(([\s\S]*?)\)\s*\n/.exec(tpl.content)?.[1] ?? ''
        for (const p of tpl.parameters) expect(declared).toContain(`$${p.name}`)
      }
    })
  }

  test('Linux templates that only read the system run successfully here', () => {
    for (const key of ['linux/disk-usage', 'linux/top-processes', 'linux/network-info', 'linux/user-sessions', 'linux/large-files', 'any/system-summary']) {
      const tpl = templates.find((t) => t.key === key)!
      const file = path.join(dir, `run-${key.replace('/', '-')}`)
      writeFileSync(file, tpl.content)
      const env = { ...process.env, WARN_PERCENT: '100', SEARCH_PATH: dir, MIN_SIZE_MB: '0' }
      const proc = Bun.spawnSync([tpl.language === 'python' ? 'python3' : 'bash', file], { env, timeout: 60_000 })
      expect({ key, code: proc.exitCode, out: proc.stdout.toString().length > 0 }).toEqual({ key, code: 0, out: true })
    }
  })
})
