// The remote file manager in the browser (loaded on demand by static/js/remote.js): browse
// with breadcrumbs, create folders, rename, delete, and move files both ways with progress,
// cancel, resume after a dropped connection and SHA-256 checks. Uploads read the file in
// slices; downloads are written to the browser's private file system (OPFS) as they arrive,
// so neither side holds a large file in memory. Bulk data takes the relay: werift's data
// channels are much slower than a WebSocket (see BENCHMARKS.md); browsing uses any path.
'use strict'

;(function () {
  // ---- SHA-256, incremental (WebCrypto can only hash a whole buffer at once) ----
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ])

  class Sha256 {
    constructor() {
      this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
      this.w = new Uint32Array(64)
      this.block = new Uint8Array(64)
      this.fill = 0
      this.length = 0
    }
    compress(b, at) {
      const w = this.w
      const h = this.h
      for (let i = 0; i < 16; i++) w[i] = (b[at + 4 * i] << 24) | (b[at + 4 * i + 1] << 16) | (b[at + 4 * i + 2] << 8) | b[at + 4 * i + 3]
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15]; const c = w[i - 2]
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
        const s1 = ((c >>> 17) | (c << 15)) ^ ((c >>> 19) | (c << 13)) ^ (c >>> 10)
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0
      }
      let [A, B, C, D, E, F, G, H] = h
      for (let i = 0; i < 64; i++) {
        const S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7))
        const t1 = (H + S1 + ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0
        const S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10))
        const t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0
        H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0
      }
      h[0] += A; h[1] += B; h[2] += C; h[3] += D; h[4] += E; h[5] += F; h[6] += G; h[7] += H
    }
    update(data) {
      let i = 0
      this.length += data.length
      if (this.fill) {
        const take = Math.min(64 - this.fill, data.length)
        this.block.set(data.subarray(0, take), this.fill)
        this.fill += take
        i = take
        if (this.fill < 64) return
        this.compress(this.block, 0)
        this.fill = 0
      }
      for (; i + 64 <= data.length; i += 64) this.compress(data, i)
      if (i < data.length) { this.block.set(data.subarray(i), 0); this.fill = data.length - i }
    }
    hex() {
      const bits = this.length * 8
      const pad = new Uint8Array(((this.fill < 56 ? 56 : 120) - this.fill) + 8)
      pad[0] = 0x80
      const view = new DataView(pad.buffer)
      view.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32))
      view.setUint32(pad.length - 4, bits >>> 0)
      this.update(pad)
      return [...this.h].map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('')
    }
  }

  const MiB = 1024 * 1024
  const CHUNK = 60 * 1024 - 64
  const WINDOW = 8 * MiB

  const human = (n) => {
    if (n === null || n === undefined) return '—'
    const units = ['B', 'KB', 'MB', 'GB', 'TB']
    let v = n; let i = 0
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
    return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
  }

  /** hashPrefix feeds the first `length` bytes of a Blob to a hash (resuming re-hashes what is there). */
  async function hashPrefix(hash, blob, length) {
    for (let at = 0; at < length; at += 4 * MiB) hash.update(new Uint8Array(await blob.slice(at, Math.min(length, at + 4 * MiB)).arrayBuffer()))
  }

  window.breezeRemoteFiles = async function (el, kit) {
    const bar = kit.toolbar(el)
    const ref = (name) => el.querySelector(`[data-ref="${name}"]`)
    const sep = { value: '/' }
    let cwd = null
    let nextId = 1
    const pending = new Map()
    const transfers = new Map()

    const link = new kit.RemoteLink(el, {
      state: (s) => { bar.state(s); if (s.status === 'Connected') resumeAll() },
      text: (frame) => {
        if (frame.t === 'ready') { bar.state({ status: 'Connected' }); if (cwd === null) start(); else resumeAll() }
        else if (frame.t === 'reply') { const p = pending.get(frame.id); if (p) { pending.delete(frame.id); frame.ok ? p.resolve(frame.result) : p.reject(new Error(frame.error)) } }
        else if (frame.handle !== undefined) transfers.get(frame.handle)?.onFrame(frame)
        else if (frame.t === 'error') bar.message(frame.message, 'bad')
      },
      output: () => {},
      binary: (frame) => { if (frame.kind === kit.KIND.download) transfers.get(frame.handle)?.onChunk(frame) },
      ended: (frame) => { bar.ended(frame); for (const t of transfers.values()) t.stopped('the session ended') },
    })

    function request(op, path, extra) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        link.send({ t: 'fs', id, op, ...(path ? { path } : {}), ...(extra || {}) })
        setTimeout(() => { if (pending.delete(id)) reject(new Error('the device did not answer')) }, 20_000)
      })
    }

    const join = (dir, name) => (dir.endsWith(sep.value) ? dir + name : dir + sep.value + name)
    const parent = (p) => { const i = p.replace(/[\\/]+$/, '').lastIndexOf(sep.value); return i <= 0 ? (sep.value === '/' ? '/' : p.slice(0, 3)) : p.slice(0, i) }

    async function start() {
      try {
        const { roots } = await request('roots')
        if (roots[0] && /^[A-Za-z]:\\/.test(roots[0])) sep.value = '\\'
        await go(roots[0] || '/')
      } catch (err) { bar.message(err.message, 'bad') }
    }

    async function go(dir) {
      let listing
      try { listing = await request('list', dir) } catch (err) { return bar.message(`${dir}: ${err.message}`, 'bad') }
      bar.message('')
      cwd = listing.path
      el.dataset.cwd = cwd
      crumbs()
      const body = ref('entries')
      body.textContent = ''
      if (listing.entries.length === 0) {
        const tr = body.insertRow(); const td = tr.insertCell(); td.colSpan = 5; td.className = 'muted'; td.textContent = 'This folder is empty.'
      }
      for (const e of listing.entries) body.appendChild(row(e))
    }

    function crumbs() {
      const nav = ref('crumbs')
      nav.textContent = ''
      const parts = cwd.split(/[\\/]/).filter(Boolean)
      let acc = sep.value === '/' ? '' : ''
      const add = (label, target) => {
        const b = document.createElement('button')
        b.type = 'button'
        b.textContent = label
        b.addEventListener('click', () => go(target))
        nav.appendChild(b)
      }
      if (sep.value === '/') add('/', '/')
      parts.forEach((p, i) => {
        acc = sep.value === '/' ? `${acc}/${p}` : i === 0 ? `${p}\\` : join(acc, p)
        if (i > 0 || sep.value === '/') nav.appendChild(document.createTextNode(' › '))
        add(p, acc)
      })
    }

    function button(label, onClick, cls) {
      const b = document.createElement('button')
      b.type = 'button'
      b.className = `btn small ${cls || ''}`
      b.textContent = label
      b.addEventListener('click', onClick)
      return b
    }

    function row(e) {
      const tr = document.createElement('tr')
      tr.dataset.name = e.name
      const full = join(cwd, e.name)
      const name = tr.insertCell()
      name.className = 'name'
      if (e.type === 'dir' || (e.type === 'link' && e.size === 0)) {
        const b = document.createElement('button'); b.type = 'button'; b.textContent = `${e.name}${sep.value}`; b.addEventListener('click', () => go(full)); name.appendChild(b)
      } else name.textContent = e.name
      if (e.type === 'link' && e.target) { const s = document.createElement('span'); s.className = 'small muted'; s.textContent = ` → ${e.target}`; name.appendChild(s) }
      const size = tr.insertCell(); size.className = 'right'; size.textContent = e.type === 'dir' ? '' : human(e.size)
      tr.insertCell().textContent = e.mtime ? new Date(e.mtime).toLocaleString() : ''
      const mode = tr.insertCell(); mode.className = 'mono small'; mode.textContent = e.mode
      const actions = tr.insertCell(); actions.className = 'right nowrap'
      if (e.type === 'file' || e.type === 'link') actions.appendChild(button('Download', () => download(full, e.name, e.size)))
      actions.appendChild(button('Rename', async () => {
        const to = window.prompt(`Rename ${e.name} to:`, e.name)
        if (!to || to === e.name) return
        try { await request('rename', full, { to: join(cwd, to) }); await go(cwd) } catch (err) { bar.message(err.message, 'bad') }
      }))
      actions.appendChild(button('Delete', async () => {
        if (!window.confirm(e.type === 'dir' ? `Delete the folder ${e.name} and everything in it?` : `Delete ${e.name}?`)) return
        try { await request('delete', full, { recursive: e.type === 'dir' }); await go(cwd) } catch (err) { bar.message(err.message, 'bad') }
      }, 'danger'))
      return tr
    }

    el.querySelector('[data-action="up"]').addEventListener('click', () => cwd && go(parent(cwd)))
    el.querySelector('[data-action="refresh"]').addEventListener('click', () => cwd && go(cwd))
    el.querySelector('[data-action="mkdir"]').addEventListener('click', async () => {
      const name = window.prompt('New folder name:')
      if (!name) return
      try { await request('mkdir', join(cwd, name)); await go(cwd) } catch (err) { bar.message(err.message, 'bad') }
    })
    ref('upload').addEventListener('change', (ev) => { for (const f of ev.target.files) upload(f); ev.target.value = '' })
    const drop = ref('drop')
    drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('dragging') })
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'))
    drop.addEventListener('drop', (ev) => { ev.preventDefault(); drop.classList.remove('dragging'); for (const f of ev.dataTransfer.files) upload(f) })

    // ---- transfers ----

    function transferRow(label) {
      const list = ref('transfers')
      list.querySelector('.muted')?.remove()
      const li = document.createElement('li')
      li.className = 'row'
      const name = document.createElement('span'); name.textContent = label
      const progress = document.createElement('progress'); progress.max = 1; progress.value = 0
      const status = document.createElement('span'); status.className = 'small muted'
      li.append(name, progress, status)
      list.prepend(li)
      return { li, progress, status }
    }

    /** A transfer restarts after the relay reconnects, continuing from what the other side has. */
    function resumeAll() { for (const t of transfers.values()) if (t.waiting) t.begin() }

    function upload(file) {
      if (!cwd) return
      const handle = nextId++
      const path = join(cwd, file.name)
      const transferId = `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
      const ui = transferRow(`↑ ${file.name}`)
      let overwrite = false
      const t = {
        waiting: false, done: false,
        async begin() {
          t.waiting = false
          t.ready = new Promise((resolve) => { t.onReady = resolve })
          link.sendRelay({ t: 'up.begin', id: handle, handle, path, size: file.size, overwrite, transferId })
          const start = await t.ready
          if (start === null) return
          const hash = new Sha256()
          ui.status.textContent = start ? `resuming at ${human(start)}…` : ''
          await hashPrefix(hash, file, start)
          let sent = start
          t.acked = start
          for (; sent < file.size && !t.done;) {
            if (sent - t.acked >= WINDOW || link.relayBuffered() >= WINDOW) { await new Promise((r) => { t.wake = r; setTimeout(r, 100) }); if (t.waiting) return; continue }
            const chunk = new Uint8Array(await file.slice(sent, Math.min(file.size, sent + CHUNK)).arrayBuffer())
            hash.update(chunk)
            if (!link.sendBinaryRelay(kit.encodeChunk(handle, sent, chunk))) { t.waiting = true; return }
            sent += chunk.length
            ui.progress.value = sent / file.size
          }
          if (t.done) return
          ui.status.textContent = 'checking…'
          link.sendRelay({ t: 'up.end', handle, sha256: hash.hex() })
        },
        onFrame(f) {
          if (f.t === 'up.ready') t.onReady(f.offset)
          else if (f.t === 'up.ack') { t.acked = Math.max(t.acked || 0, f.offset); ui.progress.value = f.offset / Math.max(1, file.size); t.wake?.() }
          else if (f.t === 'up.done') { t.done = true; transfers.delete(handle); ui.progress.value = 1; ui.status.textContent = 'done · SHA-256 verified'; ui.li.dataset.state = 'done'; cancel.remove(); go(cwd) }
          else if (f.t === 'up.error') {
            if (/exists/.test(f.error) && !overwrite && window.confirm(`${file.name} exists on the device. Overwrite it?`)) { overwrite = true; return t.begin() }
            t.done = true; transfers.delete(handle); t.onReady?.(null); ui.status.textContent = f.error; ui.li.dataset.state = 'failed'; cancel.remove()
          }
        },
        stopped(why) { if (!t.done) { t.waiting = true; ui.status.textContent = `paused: ${why}` } },
      }
      const cancel = button('Cancel', () => { t.done = true; transfers.delete(handle); link.sendRelay({ t: 'up.cancel', handle }); ui.status.textContent = 'cancelled'; ui.li.dataset.state = 'cancelled'; cancel.remove() })
      ui.li.appendChild(cancel)
      transfers.set(handle, t)
      t.begin()
    }

    async function download(path, name, size) {
      const handle = nextId++
      const transferId = `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
      const ui = transferRow(`↓ ${name}`)
      let dirHandle = null
      try { dirHandle = await navigator.storage.getDirectory() } catch {}
      if (!dirHandle && size > 512 * MiB) { ui.status.textContent = 'this browser cannot store large downloads (no private file system); use a Chromium-based browser'; return }
      const opfsName = `breeze-${transferId}`
      const fileHandle = dirHandle ? await dirHandle.getFileHandle(opfsName, { create: true }) : null
      const parts = []
      let writer = null
      let written = 0
      let hash = null
      let lastAck = 0
      let writing = Promise.resolve()
      const t = {
        waiting: false, done: false,
        async begin() {
          t.waiting = false
          hash = new Sha256()
          if (fileHandle) {
            const have = await fileHandle.getFile()
            written = have.size
            await hashPrefix(hash, have, written)
            writer = await fileHandle.createWritable({ keepExistingData: true })
          } else { written = 0; parts.length = 0 }
          lastAck = written
          link.sendRelay({ t: 'down.begin', id: handle, handle, path, offset: written, transferId })
        },
        onChunk(frame) {
          if (frame.offset !== written) return
          const data = frame.data.slice()
          hash.update(data)
          written += data.length
          ui.progress.value = written / Math.max(1, size)
          const upTo = written
          // Acknowledged once stored: the device never gets further ahead than the disk.
          const ack = () => { if (upTo - lastAck >= MiB) { lastAck = upTo; link.sendRelay({ t: 'down.ack', handle, offset: upTo }) } }
          if (writer) { const at = frame.offset; writing = writing.then(() => writer.write({ type: 'write', position: at, data })).then(ack) } else { parts.push(data); ack() }
        },
        async onFrame(f) {
          if (f.t === 'down.info') { size = f.size; if (f.offset) ui.status.textContent = `resuming at ${human(f.offset)}…` }
          else if (f.t === 'down.error') { t.done = true; transfers.delete(handle); ui.status.textContent = f.error; ui.li.dataset.state = 'failed'; cancel.remove() }
          else if (f.t === 'down.end') {
            t.done = true
            transfers.delete(handle)
            await writing
            if (writer) await writer.close()
            const digest = hash.hex()
            if (digest !== f.sha256) { ui.status.textContent = 'SHA-256 mismatch: the download was discarded'; ui.li.dataset.state = 'failed'; if (dirHandle) await dirHandle.removeEntry(opfsName).catch(() => {}); return }
            const blob = fileHandle ? await fileHandle.getFile() : new Blob(parts)
            const url = URL.createObjectURL(blob)
            const a = Object.assign(document.createElement('a'), { href: url, download: name })
            document.body.appendChild(a); a.click(); a.remove()
            ui.progress.value = 1
            ui.status.textContent = 'done · SHA-256 verified'
            ui.li.dataset.state = 'done'
            ui.li.dataset.sha256 = digest
            cancel.remove()
            // The private copy goes once the browser has taken the file.
            setTimeout(() => { URL.revokeObjectURL(url); if (dirHandle) dirHandle.removeEntry(opfsName).catch(() => {}) }, 60_000)
          }
        },
        async stopped(why) {
          if (t.done) return
          t.waiting = true
          ui.status.textContent = `paused: ${why}`
          await writing
          if (writer) { await writer.close().catch(() => {}); writer = null }
        },
      }
      const cancel = button('Cancel', () => { t.done = true; transfers.delete(handle); link.sendRelay({ t: 'down.cancel', handle }); ui.status.textContent = 'cancelled'; ui.li.dataset.state = 'cancelled'; cancel.remove(); if (dirHandle) dirHandle.removeEntry(opfsName).catch(() => {}) })
      ui.li.appendChild(cancel)
      transfers.set(handle, t)
      t.begin()
    }

    link.onRelayLost = () => { for (const t of transfers.values()) t.stopped('the connection dropped') }
    link.connect()
    el.breezeRemote = { link, go: (p) => go(p), stop() { link.close() } }
  }
})()
