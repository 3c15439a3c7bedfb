// Breeze browser glue: htmx configuration and the Alpine components (CSP build: components are
// registered here by name and markup refers to them; no inline expressions are evaluated).
'use strict'

document.addEventListener('htmx:configRequest', (event) => {
  const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content')
  if (token) event.detail.headers['X-CSRF-Token'] = token
})

// An htmx request from an element with data-confirm asks first. The text is data (it may name
// a process or a service an endpoint reported), so it never goes into an hx-* attribute.
// Elements with their own Alpine confirmation (x-data) are left to it.
document.addEventListener('htmx:confirm', (event) => {
  const el = event.detail.elt
  if (!el || !el.dataset || el.hasAttribute('x-data')) return
  // A form's buttons may each ask their own question (Stop… / Restart…).
  const submitter = event.detail.triggeringEvent && event.detail.triggeringEvent.submitter
  const text = (submitter && submitter.dataset && submitter.dataset.confirm) || el.dataset.confirm
  if (!text) return
  event.preventDefault()
  if (window.confirm(text)) event.detail.issueRequest(true)
})

if (window.htmx) {
  window.htmx.config.historyCacheSize = 0
  // Settling copies these attributes from the old element to its same-id successor. Not `style`:
  // the Content-Security-Policy forbids style attributes, and libraries set inline styles on
  // elements they enhance (CodeMirror hides its <textarea>), which made every swap log a violation.
  window.htmx.config.attributesToSettle = ['class', 'width', 'height']
  // Form errors come back as 4xx pages/fragments and must be shown, not dropped.
  window.htmx.config.responseHandling = [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ]
}

function setCookie(name, value) {
  document.cookie = `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=31536000; SameSite=Lax`
}

/** isLoopbackUrl: localhost, 127/8, ::1 or 0.0.0.0 (as src/lib/urls.ts decides on the server). */
function isLoopbackUrl(value) {
  let host
  try { host = new URL(value).hostname.toLowerCase().replace(/^\[|\]$/g, '') } catch { return false }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '0.0.0.0' || host === '::1' || host === '::'
}

document.addEventListener('alpine:init', () => {
  const Alpine = window.Alpine

  Alpine.data('shell', () => ({
    navOpen: false,
    toggleNav() { this.navOpen = !this.navOpen },
    closeNav() { this.navOpen = false },
  }))

  Alpine.data('dropdown', () => ({
    open: false,
    toggle() { this.open = !this.open },
    close() { this.open = false },
  }))

  Alpine.data('themeToggle', () => ({
    cycle() {
      const order = ['system', 'light', 'dark']
      const current = document.documentElement.dataset.theme || 'system'
      const next = order[(order.indexOf(current) + 1) % order.length]
      if (next === 'system') delete document.documentElement.dataset.theme
      else document.documentElement.dataset.theme = next
      setCookie('breeze_theme', next)
      this.$el.setAttribute('title', `Theme: ${next}`)
    },
  }))

  // A button that copies the text of the element named by its data-copy attribute.
  Alpine.data('copy', () => ({
    copied: false,
    copy() {
      const target = document.getElementById(this.$el.dataset.copy)
      if (!target) return
      navigator.clipboard.writeText(target.textContent.trim()).then(() => {
        this.copied = true
        setTimeout(() => { this.copied = false }, 1500)
      })
    },
  }))

  // Confirms a destructive form submit; the message is in data-confirm.
  Alpine.data('confirmSubmit', () => ({
    ask(event) {
      if (!window.confirm(this.$el.dataset.confirm || 'Are you sure?')) event.preventDefault()
    },
  }))

  // The device's Power menu: the time picked in the browser's zone goes to the server as an
  // ISO instant; the action is confirmed before it is sent (the device name is data).
  Alpine.data('powerForm', () => ({
    action: 'reboot',
    when: 'now',
    atLocal: '',
    get atIso() {
      if (this.when !== 'at' || !this.atLocal) return ''
      const d = new Date(this.atLocal)
      return Number.isNaN(d.getTime()) ? '' : d.toISOString()
    },
    ask(event) {
      const device = this.$el.dataset.device || 'this device'
      const verb = { reboot: 'Reboot', reboot_if_pending: 'Reboot (if a reboot is pending)', shutdown: 'Shut down', wake: 'Wake' }[this.action] || this.action
      const when = this.action !== 'wake' && this.when === 'at' && this.atLocal ? ` at ${new Date(this.atLocal).toLocaleString()}` : ''
      if (!window.confirm(`${verb} ${device}${when}?`)) event.preventDefault()
    },
  }))

  // Shows the fields that belong to the chosen option of a select (data-show-for on children).
  Alpine.data('switcher', () => ({
    value: '',
    init() {
      const select = this.$el.querySelector('select[data-switch]')
      if (select) this.value = select.value
    },
    pick(event) { this.value = event.target.value },
    is(name) { return this.value === name },
  }))

  // Global search (views/layout.tsx SearchBox): Ctrl+K (⌘K) or the button opens the dialog.
  Alpine.data('globalSearch', () => ({
    init() {
      this.onKey = (e) => {
        // Not while typing into a remote terminal or desktop: there Ctrl+K belongs to the device.
        if (e.target instanceof Element && e.target.closest('.xterm, .desktop-canvas')) return
        if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
          e.preventDefault()
          this.open()
        }
      }
      document.addEventListener('keydown', this.onKey)
    },
    destroy() { document.removeEventListener('keydown', this.onKey) },
    open() {
      const dialog = this.$root.querySelector('dialog')
      if (!dialog.open) dialog.showModal()
      const input = dialog.querySelector('input[name=q]')
      input.focus()
      input.select()
    },
  }))

  // A search input and its result list: ↑/↓ (and Home/End) move through the options, Enter
  // opens the chosen one (or the full results page when none is chosen).
  Alpine.data('searchBox', () => ({
    init() {
      const root = this.$root
      const input = root.querySelector('input[name=q]')
      const options = () => [...root.querySelectorAll('[role=option]')]
      let active = -1
      const show = (i) => {
        const list = options()
        active = list.length ? Math.max(0, Math.min(i, list.length - 1)) : -1
        list.forEach((o, n) => o.setAttribute('aria-selected', n === active ? 'true' : 'false'))
        if (active >= 0) { input.setAttribute('aria-activedescendant', list[active].id); list[active].scrollIntoView({ block: 'nearest' }) }
        else input.removeAttribute('aria-activedescendant')
      }
      // New results: the first one is chosen, so Enter opens the best match.
      root.addEventListener('htmx:afterSwap', () => show(0))
      show(0)
      input.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowDown') { e.preventDefault(); show(active + 1) }
        else if (e.key === 'ArrowUp') { e.preventDefault(); show(active - 1) }
        else if (e.key === 'Home' && e.ctrlKey) { e.preventDefault(); show(0) }
        else if (e.key === 'End' && e.ctrlKey) { e.preventDefault(); show(options().length - 1) }
        else if (e.key === 'Enter') {
          e.preventDefault()
          const chosen = options()[active]
          root.closest('dialog')?.close()
          if (chosen) chosen.click()
          else if (input.value.trim()) window.location.assign(`/search?q=${encodeURIComponent(input.value.trim())}`)
        }
      })
      // A click on a result in the dialog closes it before the page changes.
      root.addEventListener('click', (e) => { if (e.target.closest('[role=option]')) root.closest('dialog')?.close() })
    },
  }))

  Alpine.data('dismissable', () => ({
    shown: true,
    dismiss() { this.shown = false },
  }))

  // The setup page's public URL: proposes the address this browser reached Breeze at (the
  // administrator confirms it) and warns while it is an address only this machine can reach.
  Alpine.data('publicUrlField', () => ({
    loopback: false,
    init() {
      const input = this.$el.querySelector('input')
      if (input.dataset.proposed === 'true') input.value = window.location.origin
      this.loopback = isLoopbackUrl(input.value)
    },
    check(event) { this.loopback = isLoopbackUrl(event.target.value) },
  }))
})

// Live updates (src/web/live.ts): one EventSource per tab; each server event becomes a DOM
// event `live:<name>` on <body> (detail = its data), for hx-trigger="live:x from:body".
// It survives hx-boost navigation because the page itself is never reloaded.
;(function openLiveStream() {
  if (window.breezeLive || !document.body || document.body.dataset.live !== 'on') return
  const source = new EventSource('/live')
  window.breezeLive = source
  const relay = (name) => (e) => {
    let detail = {}
    try { detail = JSON.parse(e.data) } catch {}
    document.body.dispatchEvent(new CustomEvent(`live:${name}`, { detail }))
  }
  const known = new Set()
  // Events are registered as pages ask for them: any hx-trigger mentioning live:<name>.
  const listen = () => {
    for (const el of document.querySelectorAll('[hx-trigger*="live:"], [data-live-events]')) {
      const spec = `${el.getAttribute('hx-trigger') || ''} ${el.dataset.liveEvents || ''}`
      for (const m of spec.matchAll(/live:([\w.-]+)/g)) {
        if (!known.has(m[1])) { known.add(m[1]); source.addEventListener(m[1], relay(m[1])) }
      }
    }
  }
  listen()
  document.addEventListener('htmx:load', listen)
})()

// Page-specific libraries (CodeMirror, uPlot, xterm) are loaded on demand by the component
// that needs them, so they work after hx-boost navigation too (htmx swaps only <body>).
// Components pass the hashed asset URLs in data attributes.
window.breezeLoad = (function () {
  const loaded = new Map()
  const one = (url) => {
    if (!loaded.has(url)) {
      loaded.set(url, new Promise((resolve, reject) => {
        const el = url.endsWith('.css') ? Object.assign(document.createElement('link'), { rel: 'stylesheet', href: url }) : Object.assign(document.createElement('script'), { src: url, async: false })
        el.onload = resolve
        el.onerror = () => reject(new Error(`could not load ${url}`))
        document.head.appendChild(el)
      }))
    }
    return loaded.get(url)
  }
  // Scripts in order (a mode needs its library first), styles in parallel.
  return async (urls) => {
    for (const url of urls.filter((u) => !u.endsWith('.css'))) await one(url)
    await Promise.all(urls.filter((u) => u.endsWith('.css')).map(one))
  }
})()

document.addEventListener('alpine:init', () => {
  const Alpine = window.Alpine

  // A CodeMirror editor over the <textarea> inside; data-assets lists the library URLs and
  // the language <select> (data-language-select) switches the highlighting mode.
  Alpine.data('codeEditor', () => ({
    async init() {
      const area = this.$el.querySelector('textarea')
      await window.breezeLoad((this.$el.dataset.assets || '').split(' ').filter(Boolean))
      const modes = { bash: 'shell', sh: 'shell', python: 'python', powershell: 'powershell', cmd: null }
      const select = document.querySelector(this.$el.dataset.languageSelect || 'nothing')
      const editor = window.CodeMirror.fromTextArea(area, {
        lineNumbers: true, indentUnit: 2, tabSize: 2, readOnly: area.readOnly ? 'nocursor' : false,
        mode: modes[select ? select.value : this.$el.dataset.language] ?? null, viewportMargin: Infinity,
      })
      if (select) select.addEventListener('change', () => editor.setOption('mode', modes[select.value] ?? null))
      // The <textarea> is the form field: keep it equal to the editor's text at every change.
      // note: htmx reads the form's values before htmx:configRequest fires, so copying the text
      // back "before the request" is too late (the typed text was lost that way); CodeMirror's
      // own submit hook is too late for htmx's submit handler as well.
      editor.on('change', () => editor.save())
    },
  }))

  // Adds parameter rows to the script editor by cloning the <template> inside.
  Alpine.data('paramRows', () => ({
    add() {
      const tpl = this.$el.querySelector('template')
      const list = this.$el.querySelector('[data-rows]')
      const index = list.children.length
      const html = tpl.innerHTML.replaceAll('__INDEX__', String(index))
      list.insertAdjacentHTML('beforeend', html)
    },
    remove(event) { event.target.closest('[data-row]').remove() },
  }))
})

// Live script output: an EventSource on data-stream. `reset` replaces the text with what the
// server has stored, `chunk` appends, `status` (queued → running) and `end` reload the page's
// summary (status, exit code) and its actions (Cancel goes once it has ended). Text is added
// with textContent only, and the view keeps the last 2 MB so a huge output cannot exhaust
// the browser. A stream the server closes (a reader too slow for its budget) reconnects and
// starts again from `reset`.
document.addEventListener('alpine:init', () => {
  window.Alpine.data('liveOutput', () => ({
    init() {
      const pre = this.$el
      const source = new EventSource(pre.dataset.stream)
      const ansi = window.breezeAnsi
      let states = { stdout: ansi.newState(), stderr: ansi.newState() }
      let size = 0
      const add = (stream, text) => {
        const span = document.createElement('span')
        span.className = stream === 'stderr' ? 'stderr' : 'stdout'
        ansi.render(span, ansi.parse(states[span.className], text))
        pre.appendChild(span)
        size += text.length
        while (size > 2_000_000 && pre.firstChild) { size -= pre.firstChild.textContent.length; pre.removeChild(pre.firstChild) }
        const nearBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 80
        if (nearBottom) pre.scrollTop = pre.scrollHeight
      }
      let refreshTimer = null
      const refresh = () => {
        clearTimeout(refreshTimer)
        refreshTimer = setTimeout(() => {
          for (const id of ['#execution-summary', '#execution-actions']) {
            // note: the execution's own page holds its summary, also when the output is shown elsewhere (a device's Run command tab).
            if (document.querySelector(id)) window.htmx.ajax('GET', pre.dataset.page || window.location.pathname, { target: id, select: id, swap: 'outerHTML' })
          }
        }, 50)
      }
      const showStatus = (status) => {
        if (!status || status === pre.dataset.status) return
        pre.dataset.status = status
        refresh()
      }
      source.addEventListener('reset', (e) => {
        const { status, stdout, stderr } = JSON.parse(e.data)
        pre.textContent = ''
        size = 0
        states = { stdout: ansi.newState(), stderr: ansi.newState() }
        if (stdout) add('stdout', stdout)
        if (stderr) add('stderr', stderr)
        showStatus(status)
      })
      source.addEventListener('chunk', (e) => { const c = JSON.parse(e.data); add(c.stream, c.data) })
      source.addEventListener('status', (e) => showStatus(JSON.parse(e.data).status))
      source.addEventListener('end', () => {
        source.close()
        pre.dataset.status = 'ended'
        refresh()
      })
      this.$cleanup = () => source.close()
    },
    destroy() { this.$cleanup?.() },
  }))

  // Finished output as the server rendered it (escaped text per stream): its ANSI colours shown.
  window.Alpine.data('ansiOutput', () => ({
    init() {
      const ansi = window.breezeAnsi
      for (const span of this.$el.querySelectorAll(':scope > .stdout, :scope > .stderr')) {
        const text = span.textContent
        span.textContent = ''
        ansi.render(span, ansi.parse(ansi.newState(), text))
      }
    },
  }))
})
