// The remote desktop in the browser (loaded on demand by static/js/remote.js): JPEG frames
// drawn on a canvas, mouse and keyboard sent back (unless view-only), frame rate, quality
// and monitor controls.
'use strict'

;(function () {
  window.breezeRemoteDesktop = async function (el, kit) {
    const bar = kit.toolbar(el)
    const ref = (name) => el.querySelector(`[data-ref="${name}"]`)
    const canvas = ref('screen')
    const ctx = canvas.getContext('2d')
    const control = el.dataset.role === 'control'
    let drawing = false
    let next = null
    let frames = 0
    let lastMove = 0

    const viewOnly = () => !control || (ref('viewOnly') && ref('viewOnly').checked)

    async function draw(frame) {
      // Only the newest frame waits while one is being decoded; older ones are dropped.
      if (drawing) { next = frame; return }
      drawing = true
      try {
        const bitmap = await createImageBitmap(new Blob([frame.data], { type: 'image/jpeg' }))
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) { canvas.width = bitmap.width; canvas.height = bitmap.height }
        ctx.drawImage(bitmap, 0, 0)
        bitmap.close()
        frames++
        el.dataset.frames = String(frames)
      } catch {}
      drawing = false
      if (next) { const f = next; next = null; draw(f) }
    }

    const fpsTimer = setInterval(() => { ref('fpsShown').textContent = `${frames - (el.lastFrames || 0)} fps`; el.lastFrames = frames }, 1000)

    const link = new kit.RemoteLink(el, {
      state: (s) => bar.state(s),
      text: (frame) => {
        if (frame.t === 'ready' && frame.desktop) {
          bar.state({ status: 'Connected' })
          const d = frame.desktop
          const monitors = ref('monitor')
          if (frame.monitors && monitors.options.length !== frame.monitors.length) {
            monitors.textContent = ''
            for (const m of frame.monitors) monitors.add(new Option(`${m.name} (${m.width}×${m.height})`, String(m.index), false, m.index === d.monitor))
          }
          ref('fps').value = String(d.fps)
          el.dataset.quality = String(d.quality)
        } else if (frame.t === 'desktop.error' || frame.t === 'error') bar.message(frame.message, 'bad')
        else if (frame.t === 'pong') bar.latency(Math.round(performance.now() - frame.at))
      },
      output: () => {},
      binary: (frame) => { if (frame.kind === kit.KIND.desktop) draw(frame) },
      ended: (frame) => bar.ended(frame),
    })

    const config = () => link.send({ t: 'desktop.config', fps: Number(ref('fps').value), quality: Number(ref('quality').value), monitor: Number(ref('monitor').value || 0) })
    for (const name of ['fps', 'quality', 'monitor']) ref(name).addEventListener('change', config)
    if (!control) for (const name of ['fps', 'quality', 'monitor']) ref(name).disabled = true

    const where = (e) => {
      const r = canvas.getBoundingClientRect()
      // The canvas keeps the screen's aspect ratio inside its box (object-fit: contain).
      const scale = Math.min(r.width / canvas.width, r.height / canvas.height)
      const w = canvas.width * scale
      const h = canvas.height * scale
      const x = (e.clientX - r.left - (r.width - w) / 2) / w
      const y = (e.clientY - r.top - (r.height - h) / 2) / h
      return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) }
    }
    canvas.addEventListener('pointermove', (e) => {
      if (viewOnly() || !canvas.width) return
      const now = performance.now()
      if (now - lastMove < 33) return
      lastMove = now
      link.send({ t: 'pointer', action: 'move', ...where(e) })
    })
    canvas.addEventListener('pointerdown', (e) => {
      canvas.focus({ preventScroll: true })
      if (viewOnly() || !canvas.width) return
      e.preventDefault()
      link.send({ t: 'pointer', action: 'down', button: e.button, ...where(e) })
    })
    canvas.addEventListener('pointerup', (e) => { if (!viewOnly() && canvas.width) link.send({ t: 'pointer', action: 'up', button: e.button, ...where(e) }) })
    canvas.addEventListener('contextmenu', (e) => e.preventDefault())
    canvas.addEventListener('wheel', (e) => {
      if (viewOnly() || !canvas.width) return
      e.preventDefault()
      link.send({ t: 'pointer', action: 'wheel', dy: Math.max(-10, Math.min(10, Math.sign(e.deltaY) * Math.ceil(Math.abs(e.deltaY) / 100))), ...where(e) })
    }, { passive: false })
    canvas.addEventListener('keydown', (e) => {
      if (viewOnly()) return
      e.preventDefault()
      if (e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey) link.send({ t: 'key', action: 'press', key: e.key, text: e.key })
      else link.send({ t: 'key', action: 'down', key: e.key.length === 1 ? e.key.toLowerCase() : e.key })
    })
    canvas.addEventListener('keyup', (e) => {
      if (viewOnly()) return
      e.preventDefault()
      if (e.key.length !== 1 || e.ctrlKey || e.altKey || e.metaKey) link.send({ t: 'key', action: 'up', key: e.key.length === 1 ? e.key.toLowerCase() : e.key })
    })
    const pinger = setInterval(() => link.send({ t: 'ping', at: performance.now() }), 5000)
    link.connect()
    el.breezeRemote = { link, stop() { clearInterval(pinger); clearInterval(fpsTimer); link.close() } }
  }
})()
