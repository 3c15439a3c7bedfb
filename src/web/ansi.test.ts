// static/js/ansi.js, the ANSI colour parser for script output: SGR becomes styles, every other
// escape is dropped, sequences cut between chunks are joined, and nothing from the output can
// reach a class name or a colour except numbers it validated. (The browser test renders it.)
import { describe, expect, test } from 'bun:test'
import '../../static/js/ansi.js'

type Style = { classes: string[]; color: string | null; background: string | null } | null
type Ansi = { newState(): object; parse(state: object, text: string): { text: string; style: Style }[] }
const ansi = (globalThis as unknown as { breezeAnsi: Ansi }).breezeAnsi

const E = '\u001b'
const run = (...chunks: string[]) => {
  const state = ansi.newState()
  return chunks.flatMap((c) => ansi.parse(state, c))
}
const flat = (segs: { text: string; style: Style }[]) => segs.map((s) => [s.text, s.style ? [...s.style.classes, s.style.color, s.style.background].filter(Boolean).join(' ') : ''])

describe('ansi parser', () => {
  test('colours, bold, reset; plain text stays as it is', () => {
    expect(flat(run(`ok ${E}[31mred${E}[0m ${E}[1;32mbold green${E}[22m green${E}[m plain`))).toEqual([
      ['ok ', ''], ['red', 'ansi-fg-1'], [' ', ''], ['bold green', 'ansi-fg-2 ansi-bold'], [' green', 'ansi-fg-2'], [' plain', ''],
    ])
    expect(flat(run(`${E}[94;41mx${E}[39;49my`))).toEqual([['x', 'ansi-fg-12 ansi-bg-1'], ['y', '']])
    expect(flat(run('no escapes <b>here</b>\n'))).toEqual([['no escapes <b>here</b>\n', '']])
  })

  test('256 colours and true colour become numeric rgb(); out-of-range values are ignored', () => {
    expect(flat(run(`${E}[38;5;196mA${E}[38;5;9mB${E}[48;2;1;2;3mC`))).toEqual([['A', 'rgb(255,0,0)'], ['B', 'ansi-fg-9'], ['C', 'ansi-fg-9 rgb(1,2,3)']])
    expect(flat(run(`${E}[38;5;232mg`))).toEqual([['g', 'rgb(8,8,8)']])
    expect(flat(run(`${E}[38;2;999;0;0mX${E}[38;5;300mY`))).toEqual([['X', ''], ['Y', '']])
  })

  test('other sequences are dropped: cursor moves, erase, titles, hyperlinks, private modes', () => {
    expect(flat(run(`a${E}[2K${E}[1A${E}[?25lb${E}]0;title\u0007c${E}]8;;https://x.example/${E}\\link${E}]8;;${E}\\${E}(Bd${E}7e`))).toEqual([['abclinkde', '']])
  })

  test('a sequence cut between chunks is joined with the next chunk', () => {
    expect(flat(run(`a${E}`, '[3', '1mred', `${E}[0`, 'm.'))).toEqual([['a', ''], ['red', 'ansi-fg-1'], ['.', '']])
    expect(flat(run(`x${E}]0;ti`, `tle\u0007y`))).toEqual([['x', ''], ['y', '']])
  })

  test('hostile output cannot inject: odd parameters are not SGR, text stays text', () => {
    const hostile = [
      `${E}[31" onmouseover="alert(1)m<img src=x onerror=alert(1)>`,
      `${E}[38;2;255;0;0);background:url(javascript:alert(1)mX`,
      `${E}[38;5;1e3mY${E}[${'9'.repeat(400)}mZ`,
    ]
    for (const text of hostile) {
      for (const seg of run(text)) {
        for (const c of seg.style?.classes ?? []) expect(c).toMatch(/^ansi-(fg|bg)-(\d+|default-fg|default-bg)$|^ansi-(bold|dim|italic|underline|strike)$/)
        for (const colour of [seg.style?.color, seg.style?.background]) if (colour) expect(colour).toMatch(/^rgb\(\d{1,3},\d{1,3},\d{1,3}\)$/)
      }
    }
    // The first: `ESC [ 31 " o` is a (meaningless) sequence of its own and dropped; the rest is shown as text.
    expect(run(hostile[0]).map((s) => s.text).join('')).toContain('<img src=x onerror=alert(1)>')
    // A long run of parameters without an end is shown as text, not buffered for ever.
    const state = ansi.newState() as { pending: string }
    ansi.parse(state, `${E}[${'1;'.repeat(500)}`)
    expect(state.pending).toBe('')
  })
})
