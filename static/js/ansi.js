// ANSI colours in script output. `parse` turns text into segments of plain text and the style
// that SGR sequences (ESC [ … m) give them; every other escape sequence (cursor moves, erase,
// titles, hyperlinks) is dropped. Text reaches the page through textContent only, and a style
// is only ever a list of known class names plus colours built from numbers 0–255, so nothing
// in the output can become markup, an attribute or CSS of its own.
// A sequence cut between two chunks is kept until the next one (`state.pending`).
'use strict'

;(function (root) {
  const ESC = '\u001b'
  const maxPending = 256 // longer "sequences" are not escapes: shown as text

  /** newState: the style in effect and any unfinished escape, per stream. */
  function newState() {
    return { pending: '', fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false }
  }

  // The 256-colour palette: 16 named colours (classes, themed in CSS), a 6×6×6 cube, 24 greys.
  function palette(n) {
    if (n < 16) return { index: n }
    if (n < 232) {
      const v = [0, 95, 135, 175, 215, 255]
      const i = n - 16
      return { rgb: [v[Math.floor(i / 36)], v[Math.floor(i / 6) % 6], v[i % 6]] }
    }
    const g = 8 + (n - 232) * 10
    return { rgb: [g, g, g] }
  }

  const byte = (x) => Number.isInteger(x) && x >= 0 && x <= 255

  /** sgr applies one "ESC [ params m" to the state. */
  function sgr(state, params) {
    const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)))
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]
      if (c === 0) Object.assign(state, newState(), { pending: state.pending })
      else if (c === 1) state.bold = true
      else if (c === 2) state.dim = true
      else if (c === 3) state.italic = true
      else if (c === 4) state.underline = true
      else if (c === 7) state.inverse = true
      else if (c === 9) state.strike = true
      else if (c === 22) { state.bold = false; state.dim = false }
      else if (c === 23) state.italic = false
      else if (c === 24) state.underline = false
      else if (c === 27) state.inverse = false
      else if (c === 29) state.strike = false
      else if (c >= 30 && c <= 37) state.fg = { index: c - 30 }
      else if (c >= 90 && c <= 97) state.fg = { index: c - 90 + 8 }
      else if (c === 39) state.fg = null
      else if (c >= 40 && c <= 47) state.bg = { index: c - 40 }
      else if (c >= 100 && c <= 107) state.bg = { index: c - 100 + 8 }
      else if (c === 49) state.bg = null
      else if (c === 38 || c === 48) {
        let colour = null
        if (codes[i + 1] === 5 && byte(codes[i + 2])) { colour = palette(codes[i + 2]); i += 2 }
        else if (codes[i + 1] === 2 && [codes[i + 2], codes[i + 3], codes[i + 4]].every(byte)) { colour = { rgb: [codes[i + 2], codes[i + 3], codes[i + 4]] }; i += 4 }
        else break // malformed: ignore the rest of this sequence
        if (c === 38) state.fg = colour
        else state.bg = colour
      }
    }
  }

  /** style: the classes and numeric colours of the current state (null when plain). */
  function styleOf(state) {
    const classes = []
    let fg = state.fg
    let bg = state.bg
    if (state.inverse) { [fg, bg] = [bg ?? { index: 'default-bg' }, fg ?? { index: 'default-fg' }] }
    if (fg && fg.index !== undefined) classes.push(`ansi-fg-${fg.index}`)
    if (bg && bg.index !== undefined) classes.push(`ansi-bg-${bg.index}`)
    if (state.bold) classes.push('ansi-bold')
    if (state.dim) classes.push('ansi-dim')
    if (state.italic) classes.push('ansi-italic')
    if (state.underline) classes.push('ansi-underline')
    if (state.strike) classes.push('ansi-strike')
    const color = fg && fg.rgb ? `rgb(${fg.rgb.join(',')})` : null
    const background = bg && bg.rgb ? `rgb(${bg.rgb.join(',')})` : null
    if (!classes.length && !color && !background) return null
    return { classes, color, background }
  }

  /**
   * parse reads `text` (after what `state` kept from the last chunk) and returns segments
   * [{ text, style }]; style is null or { classes, color, background }.
   */
  function parse(state, text) {
    const input = state.pending + text
    state.pending = ''
    const out = []
    let plain = ''
    const flush = () => { if (plain) { out.push({ text: plain, style: styleOf(state) }); plain = '' } }
    let i = 0
    while (i < input.length) {
      const at = input.indexOf(ESC, i)
      if (at === -1) { plain += input.slice(i); break }
      plain += input.slice(i, at)
      const rest = input.slice(at)
      // CSI: ESC [ parameters (0x30–0x3F) intermediates (0x20–0x2F) final (0x40–0x7E)
      const csi = /^\u001b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])/.exec(rest)
      if (csi) {
        if (csi[3] === 'm' && csi[2] === '' && /^[\d;:]*$/.test(csi[1])) { flush(); sgr(state, csi[1]) }
        i = at + csi[0].length
        continue
      }
      // OSC: ESC ] … (BEL | ESC \) — titles, hyperlinks: dropped, text and all.
      const osc = /^\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/.exec(rest)
      if (osc) { i = at + osc[0].length; continue }
      // Unfinished at the end of the chunk: keep it for the next one (unless it is too long to be one).
      if (rest.length < maxPending && /^\u001b(\[[\x30-\x3f]*[\x20-\x2f]*|\][^\u0007]*|[\x20-\x2f]*)$/.test(rest)) { state.pending = rest; break }
      // Two-character escapes (ESC 7, ESC =, ESC ( B …): dropped; a lone ESC is dropped too.
      const short = /^\u001b[\x20-\x2f]*[\x30-\x7e]/.exec(rest)
      i = at + (short ? short[0].length : 1)
    }
    flush()
    return out
  }

  /** render turns segments into DOM nodes (text nodes and spans), appended to `parent`. */
  function render(parent, segments) {
    for (const seg of segments) {
      if (!seg.style) { parent.appendChild(document.createTextNode(seg.text)); continue }
      const span = document.createElement('span')
      for (const c of seg.style.classes) span.classList.add(c)
      if (seg.style.color) span.style.color = seg.style.color
      if (seg.style.background) span.style.backgroundColor = seg.style.background
      span.textContent = seg.text
      parent.appendChild(span)
    }
  }

  root.breezeAnsi = { newState, parse, render }
})(typeof window === 'undefined' ? globalThis : window)
