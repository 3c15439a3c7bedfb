// Device pages: live status badges, bulk selection in the device list, and the metrics charts
// (uPlot, loaded on demand). Data comes from the server as events and JSON, never inlined.
'use strict'

;(function liveDeviceStatus() {
  const labels = { online: 'Online', offline: 'Offline', maintenance: 'Maintenance', decommissioned: 'Decommissioned' }
  const kinds = { online: 'ok', offline: 'bad', maintenance: 'warn', decommissioned: '' }
  const ago = (diff) => {
    const s = Math.max(0, Math.round(diff / 1000))
    if (s < 60) return 'just now'
    const m = Math.round(s / 60)
    if (m < 60) return `${m} min ago`
    const h = Math.round(m / 60)
    return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} days ago`
  }
  let loadedAt = Date.now()
  document.addEventListener('htmx:load', (e) => { if (e.target === document.body) loadedAt = Date.now() })
  document.body.addEventListener('live:device.status', (e) => {
    for (const d of (e.detail && e.detail.devices) || []) {
      const id = CSS.escape(String(d.id))
      for (const el of document.querySelectorAll(`[data-status-for="${id}"]`)) {
        el.textContent = labels[d.status] || String(d.status)
        el.className = `badge ${kinds[d.status] || ''}`
      }
      if (typeof d.lastSeenAt === 'number') {
        for (const el of document.querySelectorAll(`[data-seen-for="${id}"]`)) {
          el.textContent = ago(Date.now() - d.lastSeenAt)
          el.setAttribute('title', new Date(d.lastSeenAt).toISOString())
        }
      }
    }
  })
  // New or changed devices: offer a refresh rather than reshuffling the table under the cursor.
  const offerRefresh = () => {
    const notice = document.getElementById('device-live-notice')
    if (notice && Date.now() - loadedAt > 2000) notice.hidden = false
  }
  document.body.addEventListener('live:device.enrolled', offerRefresh)
  document.body.addEventListener('live:device.changed', offerRefresh)
})()

// A device's services changed (the agent's watch, an action): its open Services table reloads,
// but not under the pointer or while a row's action is in flight — then once the pointer leaves.
;(function liveServices() {
  document.body.addEventListener('live:device.services', (e) => {
    const id = e.detail && e.detail.deviceId
    if (!id) return
    for (const el of document.querySelectorAll(`[data-services-for="${CSS.escape(String(id))}"]`)) {
      const reload = () => window.htmx.trigger(el, 'services-refresh')
      if (el.matches(':hover, :focus-within') || el.querySelector('.htmx-request')) el.addEventListener('mouseleave', reload, { once: true })
      else reload()
    }
  })
})()

document.addEventListener('alpine:init', () => {
  const Alpine = window.Alpine

  // Refreshes a live fragment (data-target: its id) every data-seconds while the page is shown:
  // not while the tab is hidden, the pointer or focus is inside it (a row about to be clicked
  // must not move), a request for it is under way, or the user paused it.
  Alpine.data('livePoll', () => ({
    paused: false,
    timer: null,
    state: '',
    label: 'Pause',
    init() {
      const seconds = Number(this.$el.dataset.seconds) || 5
      this.state = `Live, every ${seconds} s`
      this.timer = setInterval(() => this.tick(), seconds * 1000)
    },
    destroy() { clearInterval(this.timer) },
    tick() {
      const target = document.getElementById(this.$el.dataset.target)
      if (!target || !document.body.contains(this.$el)) return clearInterval(this.timer)
      if (this.paused || document.hidden || target.matches(':hover, :focus-within') || target.classList.contains('htmx-request')) return
      window.htmx.trigger(target, 'live-refresh')
    },
    toggle() {
      this.paused = !this.paused
      this.label = this.paused ? 'Resume' : 'Pause'
      this.state = this.paused ? 'Paused' : `Live, every ${Number(this.$el.closest('[data-seconds]').dataset.seconds) || 5} s`
    },
  }))

  // Bulk selection: row checkboxes (form="bulk-form"), a select-all box, "all N matching".
  Alpine.data('bulkSelect', () => ({
    count: 0,
    all: false,
    action: '',
    total: 0,
    init() {
      this.recount()
      this.$root.addEventListener('change', (e) => {
        const box = e.target
        if (box.matches('[data-select-all]')) for (const row of this.$root.querySelectorAll('input[name=deviceIds]')) row.checked = box.checked
        if (box.matches('[data-select-all], input[name=deviceIds]')) this.recount()
      })
      this.$root.addEventListener('htmx:afterSettle', () => { this.all = false; this.recount() })
    },
    recount() {
      this.count = this.$root.querySelectorAll('input[name=deviceIds]:checked').length
      const table = this.$root.querySelector('[data-total]')
      this.total = table ? Number(table.dataset.total) : 0
      if (this.count === 0) this.all = false
    },
  }))

  // Metrics charts for one device: 1 h / 24 h / 7 d / 30 d, from /api/v1/devices/:id/metrics.
  // note: $root, not $el: pick() runs from the range buttons, where $el is the button.
  Alpine.data('metricsCharts', () => ({
    range: '24h',
    caption: '',
    charts: [],
    async init() {
      await window.breezeLoad((this.$root.dataset.assets || '').split(' ').filter(Boolean))
      this.mark()
      await this.load()
    },
    pick(event) {
      this.range = event.target.closest('[data-range]').dataset.range
      this.mark()
      this.load()
    },
    mark() {
      for (const b of this.$root.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', b.dataset.range === this.range ? 'true' : 'false')
    },
    async load() {
      const spans = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 }
      const to = Date.now()
      const url = `${this.$root.dataset.url}?from=${to - spans[this.range]}&to=${to}`
      this.caption = 'Loading…'
      let data
      try {
        const res = await fetch(url, { headers: { accept: 'application/json' } })
        data = await res.json()
        if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText)
      } catch (err) {
        this.caption = `Could not load metrics: ${err.message}`
        return
      }
      const kind = { raw: 'every sample', hour: 'hourly average with min–max band', day: 'daily average with min–max band' }[data.resolution] || data.resolution
      this.caption = data.points.length ? `${data.points.length} points · ${kind}` : 'No metrics in this range yet'
      this.draw(data)
    },
    draw(data) {
      for (const c of this.charts) c.destroy()
      this.charts = []
      this.resizer?.disconnect()
      const css = getComputedStyle(document.documentElement)
      const color = (name, fallback) => (css.getPropertyValue(name) || fallback).trim()
      const accent = color('--accent', '#2563eb')
      const muted = color('--muted', '#5d6778')
      const grid = color('--border', '#dde1e7')
      const xs = data.points.map((p) => p.at / 1000)
      const band = data.resolution !== 'raw'
      const percent = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10} %`)
      const bytes = (v) => {
        if (v === null || v === undefined) return '—'
        const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
        let x = Math.abs(v)
        let i = 0
        while (x >= 1000 && i < units.length - 1) { x /= 1000; i++ }
        return `${v < 0 ? '-' : ''}${i === 0 || x >= 100 ? Math.round(x) : Math.round(x * 10) / 10} ${units[i]}`
      }
      // The y axis is as wide as its longest label (uPlot's fixed 50 px cut off "150,000,000").
      const axisSize = (u, values, axisIdx, cycleNum) => {
        const axis = u.axes[axisIdx]
        if (cycleNum > 1) return axis._size
        let size = axis.ticks.size + axis.gap
        const longest = (values || []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), '')
        if (longest) { u.ctx.font = axis.font[0]; size += u.ctx.measureText(longest).width / (window.devicePixelRatio || 1) }
        return Math.ceil(size) + 4
      }
      const axes = (format) => [
        { stroke: muted, grid: { stroke: grid } },
        { stroke: muted, grid: { stroke: grid }, size: axisSize, values: (u, splits) => splits.map(format) },
      ]
      const time = { label: 'Time', value: (u, ts) => (ts === null || ts === undefined ? '—' : new Date(ts * 1000).toLocaleString()) }
      const percentChart = (key) => {
        const series = [time, { label: band ? 'average' : 'value', stroke: accent, width: 2, spanGaps: false, value: (u, v) => percent(v) }]
        const cols = [xs, data.points.map((p) => p[key])]
        if (band) {
          series.push({ label: 'min', stroke: muted, dash: [4, 4], width: 1, value: (u, v) => percent(v) }, { label: 'max', stroke: muted, dash: [4, 4], width: 1, value: (u, v) => percent(v) })
          cols.push(data.points.map((p) => p[`${key}Min`]), data.points.map((p) => p[`${key}Max`]))
        }
        return { series, cols, scales: { y: { range: [0, 100] } }, axes: axes((v) => `${v} %`) }
      }
      const specs = {
        cpu: percentChart('cpu'),
        ram: percentChart('ram'),
        disk: percentChart('disk'),
        net: {
          series: [time, { label: 'in', stroke: accent, width: 2, value: (u, v) => bytes(v) }, { label: 'out', stroke: color('--ok', '#15803d'), width: 2, value: (u, v) => bytes(v) }],
          cols: [xs, data.points.map((p) => p.netIn), data.points.map((p) => p.netOut)],
          scales: {},
          axes: axes(bytes),
        },
      }
      // Away from the cursor the legend shows the latest values (uPlot shows "--" there).
      const latest = (u) => {
        if (u.cursor.idx !== null && u.cursor.idx !== undefined) return
        const n = u.data[0].length
        if (n) u.setLegend({ idx: n - 1 })
      }
      for (const el of this.$root.querySelectorAll('[data-chart]')) {
        const spec = specs[el.dataset.chart]
        el.textContent = ''
        const chart = new window.uPlot({
          width: Math.max(240, el.clientWidth), height: 200, series: spec.series, scales: { x: { time: true }, ...spec.scales }, axes: spec.axes,
          legend: { show: true, live: true }, hooks: { ready: [latest], setCursor: [latest] },
        }, spec.cols, el)
        el.breezeChart = chart
        this.charts.push(chart)
      }
      // Follow the card's width (window resize, sidebar, phone rotation).
      this.resizer = new ResizeObserver(() => {
        for (const c of this.charts) {
          const el = c.root.parentElement
          if (el && Math.abs(el.clientWidth - c.width) > 1) c.setSize({ width: Math.max(240, el.clientWidth), height: 200 })
        }
      })
      for (const c of this.charts) this.resizer.observe(c.root.parentElement)
    },
    destroy() { this.resizer?.disconnect() },
  }))

  // Group form: preview a dynamic rule (count of matching devices) while typing.
  Alpine.data('rulePreview', () => ({
    kind: 'static',
    init() {
      const type = this.$el.querySelector('select[name=type]')
      if (type) { this.kind = type.value; type.addEventListener('change', () => { this.kind = type.value }) }
    },
    isDynamic() { return this.kind === 'dynamic' },
  }))
})
