// Remote access in the browser: the connection to a session (server relay WebSocket, upgraded
// to a direct WebRTC data channel when one can be made), the terminal (xterm.js), the file
// manager, the desktop view and the recording player. The wire protocol is described in
// src/protocol/remote.ts and docs/remote-access.md.
'use strict'

;(function () {
  const KIND = { output: 1, upload: 2, download: 3, desktop: 4, fragment: 0x7f }
  const FRAGMENT = 60 * 1024
  const CHUNK_HEADER = 17

  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') || ''

  /** Joins data channel fragments back into whole binary frames. */
  class Joiner {
    constructor() { this.parts = []; this.size = 0 }
    push(piece) {
      if (piece[0] !== KIND.fragment) return piece
      this.parts.push(piece.subarray(2))
      this.size += piece.length - 2
      if (piece[1] !== 1) return null
      const whole = new Uint8Array(this.size)
      let at = 0
      for (const p of this.parts) { whole.set(p, at); at += p.length }
      this.parts = []
      this.size = 0
      return whole
    }
  }

  function fragments(frame) {
    if (frame.length <= FRAGMENT) return [frame]
    const out = []
    for (let i = 0; i < frame.length; i += FRAGMENT) {
      const part = frame.subarray(i, i + FRAGMENT)
      const piece = new Uint8Array(2 + part.length)
      piece[0] = KIND.fragment
      piece[1] = i + FRAGMENT >= frame.length ? 1 : 0
      piece.set(part, 2)
      out.push(piece)
    }
    return out
  }

  function decodeBinary(u8) {
    const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength)
    switch (u8[0]) {
      case KIND.output: return { kind: KIND.output, seq: view.getUint32(1), data: u8.subarray(5) }
      case KIND.download: return { kind: KIND.download, handle: view.getUint32(5), offset: view.getFloat64(9), data: u8.subarray(CHUNK_HEADER) }
      case KIND.desktop: return { kind: KIND.desktop, seq: view.getUint32(1), width: view.getUint16(5), height: view.getUint16(7), data: u8.subarray(9) }
      default: return null
    }
  }

  function encodeChunk(handle, offset, data) {
    const out = new Uint8Array(CHUNK_HEADER + data.length)
    const view = new DataView(out.buffer)
    out[0] = KIND.upload
    view.setUint32(5, handle)
    view.setFloat64(9, offset)
    out.set(data, CHUNK_HEADER)
    return out
  }

  /**
   * RemoteLink is one browser's connection to a session. Everything starts on the relay; a
   * WebRTC data channel is tried at once and, when it opens, the agent replays what this
   * browser has not seen and traffic moves to it. Terminal output is numbered, so each piece
   * is shown once whichever path brought it. When the relay drops, it reconnects with a fresh
   * ticket and the server replays the recent screen.
   */
  class RemoteLink {
    constructor(el, handlers) {
      this.sessionId = el.dataset.session
      this.ticket = el.dataset.ticket
      this.role = el.dataset.role
      this.joinUrl = el.dataset.join
      this.h = handlers
      this.path = 'relay'
      this.nextSeq = -1
      this.held = new Map()
      this.inputSeq = 0
      this.ended = false
      this.attempt = 0
      this.joiner = new Joiner()
      this.webrtcTried = false
    }

    connect() {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/remote/${encodeURIComponent(this.sessionId)}?ticket=${encodeURIComponent(this.ticket)}`
      const ws = new WebSocket(url)
      ws.binaryType = 'arraybuffer'
      this.ws = ws
      ws.onopen = () => { this.attempt = 0 }
      ws.onmessage = (e) => {
        if (typeof e.data === 'string') this.onText(JSON.parse(e.data), 'relay')
        else this.onBinary(new Uint8Array(e.data))
      }
      ws.onclose = (e) => {
        if (this.ws !== ws || this.ended) return
        this.onRelayLost?.()
        this.closePeer()
        this.h.state({ status: 'Reconnecting…' })
        const delay = Math.min(10_000, 500 * 2 ** this.attempt++)
        setTimeout(() => this.rejoin(), e.code === 4410 ? 0 : delay)
      }
    }

    /** rejoin asks for a fresh ticket (tickets expire) and connects again. */
    async rejoin() {
      try {
        const res = await fetch(this.joinUrl, { method: 'POST', headers: { 'x-csrf-token': csrf(), 'content-type': 'application/json' }, body: '{}', credentials: 'same-origin' })
        if (res.status === 409 || res.status === 404) return this.finish({ reason: 'ended', message: 'The session has ended.' })
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
        this.ticket = (await res.json()).ticket
      } catch (err) {
        this.h.state({ status: 'Reconnecting…', message: `Could not reach the server: ${err.message}` })
        return setTimeout(() => this.rejoin(), Math.min(10_000, 1000 * 2 ** this.attempt++))
      }
      this.connect()
    }

    onText(frame, path) {
      switch (frame.t) {
        case 'hello':
          this.hello = frame
          this.h.state({ status: frame.status === 'active' ? 'Connected' : 'Waiting for the device…', path: this.path, role: frame.role })
          if (frame.status === 'active') this.tryDirect()
          return
        case 'signal': return this.onSignal(frame.signal)
        case 'status':
          this.h.state({ status: frame.status === 'active' ? 'Connected' : 'Waiting for the device…' })
          if (frame.status === 'active') this.tryDirect()
          return
        case 'viewers': return this.h.state({ viewers: frame.list })
        case 'ended': return this.finish(frame)
        case 'attached':
          if (path !== 'webrtc') return
          this.path = 'webrtc'
          this.wsSend({ t: 'path', path: 'webrtc' })
          return this.h.state({ path: 'webrtc' })
        default: return this.h.text(frame)
      }
    }

    onBinary(u8) {
      const frame = decodeBinary(u8)
      if (!frame) return
      if (frame.kind === KIND.output) return this.output(frame.seq, frame.data)
      this.h.binary(frame)
    }

    /** output hands terminal output over in order, each sequence number once. */
    output(seq, data) {
      if (this.nextSeq < 0) this.nextSeq = seq
      if (seq < this.nextSeq) return
      this.held.set(seq, data)
      while (this.held.has(this.nextSeq)) {
        this.h.output(this.held.get(this.nextSeq))
        this.held.delete(this.nextSeq)
        this.nextSeq++
      }
      if (this.held.size > 256) {
        // A piece lost for good (a path died mid-flight): carry on from what there is.
        this.nextSeq = Math.min(...this.held.keys())
        this.output(this.nextSeq, this.held.get(this.nextSeq))
      }
    }

    wsSend(frame) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(frame)) }

    send(frame) {
      const text = JSON.stringify(frame)
      if (this.path === 'webrtc' && this.dc && this.dc.readyState === 'open') this.dc.send(text)
      else if (this.ws && this.ws.readyState === 1) this.ws.send(text)
    }

    sendBinary(u8) {
      if (this.path === 'webrtc' && this.dc && this.dc.readyState === 'open') for (const piece of fragments(u8)) this.dc.send(piece)
      else if (this.ws && this.ws.readyState === 1) this.ws.send(u8)
    }

    /** sendRelay sends on the relay whatever path is in use (bulk file data: see remote-files.js). */
    sendRelay(frame) { this.wsSend(frame) }

    /** sendBinaryRelay sends a binary frame on the relay; false when it is down. */
    sendBinaryRelay(u8) {
      if (!this.ws || this.ws.readyState !== 1) return false
      this.ws.send(u8)
      return true
    }

    relayBuffered() { return this.ws ? this.ws.bufferedAmount : 0 }

    /** Bytes queued on the path in use (uploads wait when it is high). */
    buffered() {
      return this.path === 'webrtc' && this.dc ? this.dc.bufferedAmount : this.ws ? this.ws.bufferedAmount : 0
    }

    input(data) { this.send({ t: 'input', seq: this.inputSeq++, data }) }

    // ---- WebRTC ----

    /** tryDirect offers a direct path once per connection, when the agent is attached (an offer before that finds no session on the agent). */
    tryDirect() {
      if (this.webrtcTried) return
      this.webrtcTried = true
      this.startWebRTC()
    }

    startWebRTC() {
      if (!window.RTCPeerConnection || !this.hello) return
      let pc
      try { pc = new RTCPeerConnection({ iceServers: this.hello.iceServers || [] }) } catch { return }
      this.pc = pc
      this.answered = new Promise((resolve) => { this.answerApplied = resolve })
      const dc = pc.createDataChannel('breeze', { ordered: true })
      dc.binaryType = 'arraybuffer'
      this.dc = dc
      pc.onicecandidate = (e) => {
        if (e.candidate && e.candidate.candidate) this.wsSend({ t: 'signal', signal: { kind: 'candidate', candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } })
      }
      pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed') this.peerFailed('the direct connection failed') }
      dc.onopen = () => dc.send(JSON.stringify({ t: 'attach', fromSeq: Math.max(0, this.nextSeq), inputSeq: this.inputSeq }))
      dc.onmessage = (e) => {
        if (typeof e.data === 'string') return this.onText(JSON.parse(e.data), 'webrtc')
        const whole = this.joiner.push(new Uint8Array(e.data))
        if (whole) this.onBinary(whole)
      }
      dc.onclose = () => this.peerFailed('the direct connection closed')
      this.peerTimer = setTimeout(() => { if (this.path !== 'webrtc') this.peerFailed('no direct path to the device (NAT or blocked UDP)') }, 15_000)
      pc.createOffer().then((offer) => pc.setLocalDescription(offer)).then(() => {
        this.wsSend({ t: 'signal', signal: { kind: 'offer', sdp: pc.localDescription.sdp } })
      }).catch((err) => this.peerFailed(err.message))
    }

    onSignal(signal) {
      const pc = this.pc
      if (!pc) return
      if (signal.kind === 'answer') {
        pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp }).then(() => this.answerApplied(), (err) => this.peerFailed(err.message))
      } else if (signal.kind === 'candidate') {
        // A candidate may overtake the answer; it is added once the answer is in.
        this.answered.then(() => pc.addIceCandidate({ candidate: signal.candidate, sdpMid: signal.sdpMid, sdpMLineIndex: signal.sdpMLineIndex })).catch(() => {})
      } else if (signal.kind === 'close') this.peerFailed(signal.message || 'the device closed the direct connection')
    }

    /** peerFailed drops the direct path; a browser that was using it reconnects the relay so nothing is missed. */
    peerFailed(why) {
      if (!this.pc) return
      const wasDirect = this.path === 'webrtc'
      this.closePeer()
      this.path = 'relay'
      this.h.state({ path: 'relay', pathNote: why })
      if (wasDirect && !this.ended) { this.wsSend({ t: 'path', path: 'relay' }); try { this.ws.close() } catch {} }
    }

    closePeer() {
      clearTimeout(this.peerTimer)
      const pc = this.pc
      this.pc = null
      try { this.dc && this.dc.close() } catch {}
      try { pc && pc.close() } catch {}
      this.dc = null
      if (this.path === 'webrtc') { this.path = 'relay'; this.webrtcTried = false }
    }

    /** close leaves the session (the page went away); the session itself goes on. */
    close() {
      this.ended = true
      this.closePeer()
      try { this.ws && this.ws.close() } catch {}
    }

    finish(frame) {
      if (this.ended) return
      this.ended = true
      this.closePeer()
      try { this.ws.close() } catch {}
      this.h.ended(frame)
    }
  }

  // ---- the workspace toolbar ----

  const reasons = {
    closed: 'The session was closed.', killed: 'An administrator ended this session.', idle: 'The session ended after a period without input.',
    offline: 'The device went offline.', exited: 'The shell exited.', agent_disconnected: 'The device dropped the connection.',
    abandoned: 'No one was connected for a minute.', failed: 'The session failed.', server_restart: 'The server restarted.', ended: 'The session has ended.',
    revoked: 'Access to this device was withdrawn.',
  }

  function toolbar(el) {
    const ref = (name) => el.querySelector(`[data-ref="${name}"]`)
    return {
      state(s) {
        if (s.status) ref('status').textContent = s.status
        if (s.path) {
          const p = ref('path')
          p.textContent = s.path === 'webrtc' ? 'Direct (WebRTC)' : 'Relay via server'
          p.className = `badge ${s.path === 'webrtc' ? 'ok' : 'info'}`
          p.dataset.path = s.path
          if (s.pathNote) p.title = `Relay: ${s.pathNote}`
        }
        if (s.viewers) {
          const others = s.viewers.length - 1
          ref('viewers').textContent = others > 0 ? `${s.viewers.map((v) => `${v.name}${v.role === 'view' ? ' (watching)' : ''}`).join(', ')}` : ''
        }
        if (s.message) this.message(s.message)
      },
      message(text, kind) {
        const m = ref('message')
        m.hidden = !text
        m.textContent = text || ''
        m.className = `callout ${kind || ''}`
      },
      ended(frame) {
        ref('status').textContent = 'Ended'
        ref('status').className = 'badge'
        this.message(`${reasons[frame.reason] || reasons.ended}${frame.message ? ` ${frame.message}` : ''}`, frame.reason === 'failed' ? 'bad' : 'warn')
      },
      latency(ms) { ref('latency').textContent = ms === null ? '' : `round trip ${ms} ms` },
    }
  }

  const xtermTheme = { background: '#0d1117', foreground: '#d1d7e0', cursor: '#d1d7e0', selectionBackground: '#264f78' }
  // note: a line height of 1.2 keeps underscores visible: at 1.0 the glyph sits on the cell's
  // bottom edge and the DOM renderer's rows (overflow: hidden) cut it off in common monospace fonts.
  const xtermOptions = {
    fontSize: 14, lineHeight: 1.2, scrollback: 5000, theme: xtermTheme,
    fontFamily: '"Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace',
  }

  // ---- terminal ----

  async function startTerminal(el) {
    const bar = toolbar(el)
    const host = el.querySelector('[data-ref="term"]')
    await window.breezeLoad((el.dataset.assets || '').split(' ').filter(Boolean))
    const control = el.dataset.role === 'control'
    const term = new window.Terminal({ ...xtermOptions, cursorBlink: control, disableStdin: !control, allowProposedApi: false })
    const fit = new window.FitAddon.FitAddon()
    term.loadAddon(fit)
    term.open(host)
    fit.fit()
    const link = new RemoteLink(el, {
      state: (s) => bar.state(s),
      text: (frame) => {
        if (frame.t === 'ready') {
          bar.state({ status: 'Connected' })
          if (control) link.send({ t: 'resize', cols: term.cols, rows: term.rows })
          else if (frame.cols && frame.rows) term.resize(frame.cols, frame.rows)
          if (control) term.focus()
        } else if (frame.t === 'resized' && !control) term.resize(frame.cols, frame.rows)
        else if (frame.t === 'exit') bar.message(`The shell exited${frame.code === null ? '' : ` (code ${frame.code})`}.`, 'warn')
        else if (frame.t === 'pong') bar.latency(Math.round(performance.now() - frame.at))
        else if (frame.t === 'error') bar.message(frame.message, 'bad')
      },
      output: (data) => term.write(data),
      binary: () => {},
      ended: (frame) => { bar.ended(frame); term.options.disableStdin = true; term.options.cursorBlink = false; clearInterval(pinger) },
    })
    term.onData((data) => { if (control) link.input(data) })
    term.onResize(({ cols, rows }) => { if (control) link.send({ t: 'resize', cols, rows }) })
    // Copy: Ctrl+Shift+C copies the selection (Ctrl+C stays an interrupt); paste works as usual.
    term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && e.code === 'KeyC') {
        if (term.hasSelection()) navigator.clipboard.writeText(term.getSelection()).catch(() => {})
        return false
      }
      return true
    })
    let fitTimer
    new ResizeObserver(() => { clearTimeout(fitTimer); fitTimer = setTimeout(() => fit.fit(), 50) }).observe(host)
    const pinger = setInterval(() => link.send({ t: 'ping', at: performance.now() }), 5000)
    link.connect()
    el.breezeRemote = { link, term, stop() { clearInterval(pinger); link.close(); term.dispose() } }
  }

  // ---- recording player ----

  async function startPlayer(el) {
    const ref = (name) => el.querySelector(`[data-ref="${name}"]`)
    await window.breezeLoad((el.dataset.assets || '').split(' ').filter(Boolean))
    const text = await (await fetch(el.dataset.src, { credentials: 'same-origin' })).text()
    const lines = text.split('\n').filter(Boolean)
    const header = JSON.parse(lines[0])
    const events = lines.slice(1).map((l) => { try { return JSON.parse(l) } catch { return null } }).filter(Boolean)
    // Long pauses play as two seconds at most (what asciinema calls the idle time limit).
    let t = 0
    let prev = 0
    const timeline = events.map(([at, kind, data]) => { t += Math.min(2, Math.max(0, at - prev)); prev = at; return { at: t, kind, data } })
    const total = timeline.length ? timeline[timeline.length - 1].at : 0
    const term = new window.Terminal({ ...xtermOptions, cols: header.width, rows: header.height, disableStdin: true })
    term.open(ref('term'))
    let i = 0
    let clock = 0
    let timer = null
    let playing = false
    const show = () => {
      ref('progress').value = total ? clock / total : 1
      ref('clock').textContent = `${Math.floor(clock / 60)}:${String(Math.floor(clock % 60)).padStart(2, '0')} / ${Math.floor(total / 60)}:${String(Math.floor(total % 60)).padStart(2, '0')}`
    }
    const step = () => {
      const speed = Number(ref('speed').value) || 1
      while (i < timeline.length && timeline[i].at <= clock) {
        const e = timeline[i++]
        if (e.kind === 'o') term.write(e.data)
        else if (e.kind === 'r') { const [c, r] = String(e.data).split('x').map(Number); if (c && r) term.resize(c, r) }
      }
      show()
      if (i >= timeline.length) { playing = false; ref('play').textContent = 'Replay'; el.dataset.done = '1'; return }
      const wait = (timeline[i].at - clock) / speed
      clock = timeline[i].at
      timer = setTimeout(step, wait * 1000)
    }
    ref('play').addEventListener('click', () => {
      if (playing) { clearTimeout(timer); playing = false; ref('play').textContent = 'Play'; return }
      if (i >= timeline.length) { i = 0; clock = 0; term.reset() }
      playing = true
      el.dataset.done = ''
      ref('play').textContent = 'Pause'
      step()
    })
    show()
    el.dataset.ready = '1'
  }

  document.addEventListener('alpine:init', () => {
    const Alpine = window.Alpine
    Alpine.data('remoteSession', () => ({
      // Leaving the page (htmx swaps the body) detaches this browser; the session goes on.
      destroy() { this.$el.breezeRemote?.stop?.() },
      async init() {
        const el = this.$el
        const kind = el.dataset.kind
        try {
          // The file manager and the desktop live in their own files, loaded when needed.
          if (el.dataset.module) await window.breezeLoad([el.dataset.module])
          const start = kind === 'terminal' ? startTerminal : kind === 'files' ? window.breezeRemoteFiles : window.breezeRemoteDesktop
          await start(el, { RemoteLink, toolbar, encodeChunk, KIND })
        } catch (err) {
          toolbar(el).message(`Could not start: ${err.message}`, 'bad')
        }
      },
    }))
    Alpine.data('castPlayer', () => ({
      init() { startPlayer(this.$el).catch((err) => { this.$el.textContent = `The recording could not be played: ${err.message}` }) },
    }))
  })

  window.breezeRemoteKit = { RemoteLink, toolbar, encodeChunk, KIND }
})()
