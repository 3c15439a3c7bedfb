// Line diffs between script versions (jsdiff), shaped for the version page.
import { diffLines } from 'diff'

export type ScriptVersionDiff = { added: number; removed: number; lines: { kind: 'add' | 'del' | 'same'; text: string }[] }

export function scriptDiff(before: string, after: string): ScriptVersionDiff {
  const out: ScriptVersionDiff = { added: 0, removed: 0, lines: [] }
  for (const part of diffLines(before, after)) {
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same'
    const lines = part.value.replace(/\n$/, '').split('\n')
    if (kind === 'add') out.added += lines.length
    if (kind === 'del') out.removed += lines.length
    for (const text of lines) out.lines.push({ kind, text })
  }
  return out
}
