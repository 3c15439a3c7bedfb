// The automation editor: the trigger on top, then the steps as a list with nested then/else
// branches; add, reorder and remove steps; each change is checked by the server
// (/api/v1/automations/validate) and its problems are shown next to their fields. The
// definition is plain JSON kept here and saved through the JSON API. Every user or server
// value reaches the page through textContent or form values, never as HTML.
'use strict'

;(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') || ''

  async function api(method, url, body) {
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() }, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
    let json = null
    try { json = await res.json() } catch {}
    return { status: res.status, json }
  }

  // ---- tiny DOM helpers (text only) ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue
      if (k === 'class') node.className = v
      else if (k === 'text') node.textContent = v
      else if (k === 'value') node.value = v
      else if (k === 'checked') node.checked = !!v
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
      else node.setAttribute(k, v === true ? '' : String(v))
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : document.createTextNode(String(c)))
    return node
  }
  let uid = 0
  const fieldId = () => `ae-${++uid}`

  /** A labelled control whose errors appear under it; `path` is the definition path it edits. */
  function field(label, control, path, hint) {
    const id = control.id || (control.id = fieldId())
    const wrap = el('div', { class: 'field', 'data-path': path || undefined }, el('label', { for: id, text: label }), control)
    if (hint) wrap.append(el('div', { class: 'hint', text: hint }))
    wrap.append(el('div', { class: 'error', 'data-error': '' }))
    return wrap
  }
  function select(options, value, onchange, attrs) {
    const s = el('select', attrs || {})
    for (const o of options) s.append(el('option', { value: o.value, text: o.label, selected: String(o.value) === String(value ?? '') || undefined }))
    s.addEventListener('change', () => onchange(s.value))
    return s
  }
  function input(value, oninput, attrs) {
    const i = el('input', { type: 'text', ...(attrs || {}) })
    i.value = value === undefined || value === null ? '' : String(value)
    i.addEventListener('input', () => oninput(i.value))
    return i
  }
  function number(value, oninput, attrs) {
    return input(value, (v) => oninput(v === '' ? undefined : Number(v)), { type: 'number', ...(attrs || {}) })
  }
  function checkbox(label, checked, onchange) {
    const c = el('input', { type: 'checkbox', checked })
    c.addEventListener('change', () => onchange(c.checked))
    return el('label', { class: 'check' }, c, ' ', label)
  }
  function multi(options, values, onchange, attrs) {
    const s = el('select', { multiple: true, size: Math.min(6, Math.max(3, options.length)), ...(attrs || {}) })
    for (const o of options) s.append(el('option', { value: o.value, text: o.label, selected: (values || []).includes(o.value) || undefined }))
    s.addEventListener('change', () => onchange([...s.selectedOptions].map((o) => o.value)))
    return s
  }
  const csv = (text) => text.split(',').map((x) => x.trim()).filter(Boolean)
  const clean = (obj) => { for (const k of Object.keys(obj)) if (obj[k] === undefined || obj[k] === '' || (Array.isArray(obj[k]) && obj[k].length === 0)) delete obj[k]; return obj }
  const newStepId = () => 's' + Math.random().toString(36).slice(2, 8)

  const stepLabels = {
    run_script: 'Run a script', notify: 'Send a notification', update_device: 'Update the device', run_automation: 'Run another automation',
    wait: 'Wait', condition: 'Condition (if / then / else)', create_ticket: 'Create a ticket',
  }
  const eventLabels = {
    'device.enrolled': 'A device enrolls', 'device.offline': 'A device is offline for a while', 'alert.triggered': 'An alert fires',
    'script.completed': 'A script finishes', 'software.changed': 'Software changes on a device',
    'patch.installed': 'An update is installed', 'patch.failed': 'An update fails to install',
  }
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

  function Editor(root) {
    const automationId = root.dataset.automationId || ''
    let owner = root.dataset.owner || ''
    let opts = null
    let def = { name: '', description: '', enabled: true, trigger: { type: 'manual' }, conditions: {}, actions: [], onFailure: 'stop', notifyChannelIds: [] }
    let timer = null
    let lastProblems = []
    let schedulePreview = null
    // A new automation shows its problems once the user has changed something (or tried to save),
    // not the moment the empty form appears.
    let touched = !!automationId
    const mount = root.querySelector('[data-editor-root]')

    const ownerQuery = () => {
      const [kind, id] = owner.split(':')
      return kind === 'partner' ? { partnerId: id } : { orgId: id }
    }

    async function load() {
      const q = new URLSearchParams({ ...ownerQuery(), ...(automationId ? { automationId } : {}) })
      const o = await api('GET', `/api/v1/automations/editor-options?${q}`)
      if (o.status !== 200) { mount.replaceChildren(el('div', { class: 'callout bad', text: o.json?.error?.message || 'Could not load the editor.' })); return }
      opts = o.json
      if (automationId) {
        const a = await api('GET', `/api/v1/automations/${automationId}`)
        if (a.status !== 200) { mount.replaceChildren(el('div', { class: 'callout bad', text: a.json?.error?.message || 'Could not load the automation.' })); return }
        def = { name: a.json.name, description: a.json.description, enabled: a.json.enabled, trigger: a.json.trigger, conditions: a.json.conditions || {}, actions: a.json.actions, onFailure: a.json.onFailure, notifyChannelIds: a.json.notifyChannelIds || [] }
      }
      render()
      validate()
    }

    const ownerSelect = root.querySelector('[data-owner-select]')
    if (ownerSelect) ownerSelect.addEventListener('change', () => { owner = ownerSelect.value; load() })

    function changed() {
      touched = true
      clearTimeout(timer)
      timer = setTimeout(validate, 300)
    }

    async function validate() {
      const res = await api('POST', '/api/v1/automations/validate', { ...ownerQuery(), ...(automationId ? { automationId } : {}), definition: def })
      if (res.status !== 200) return
      lastProblems = res.json.problems || []
      schedulePreview = res.json.schedule
      showProblems()
    }

    function showProblems() {
      for (const f of root.querySelectorAll('[data-path]')) {
        f.classList.remove('invalid')
        const e = f.querySelector(':scope > [data-error]')
        if (e) e.textContent = ''
      }
      const unplaced = []
      const shown = touched ? lastProblems : []
      for (const p of shown) {
        // The deepest field whose path is the problem's path or a prefix of it.
        let target = null
        let path = p.path
        while (path && !target) {
          target = root.querySelector(`[data-path="${CSS.escape(path)}"]`)
          path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''
        }
        const e = target?.querySelector(':scope > [data-error]')
        if (target && e) {
          target.classList.add('invalid')
          e.textContent = e.textContent ? `${e.textContent} · ${p.message}` : p.message
        } else unplaced.push(p)
      }
      const box = root.querySelector('[data-problems]')
      if (box) {
        box.replaceChildren(...(shown.length ? [el('strong', { text: `${shown.length} problem${shown.length === 1 ? '' : 's'} to fix before saving` }), el('ul', {}, unplaced.map((p) => el('li', { text: `${p.path}: ${p.message}` })))] : [el('span', { text: touched ? 'No problems found.' : 'Problems show here as you fill in the automation.' })]))
        box.className = shown.length ? 'callout warn' : 'callout'
      }
      const prev = root.querySelector('[data-schedule-preview]')
      if (prev) {
        prev.replaceChildren()
        if (schedulePreview?.ok) prev.append(el('div', { class: 'small muted', text: 'Next five runs:' }), el('ul', { class: 'small' }, schedulePreview.next.map((n) => el('li', { text: n.local }))))
      }
    }

    // ---- sections ----

    function render() {
      mount.replaceChildren(
        generalCard(),
        triggerCard(),
        conditionsCard(),
        el('section', { class: 'card', 'data-path': 'actions' }, el('h2', { text: 'Steps' }), el('div', { class: 'error', 'data-error': '' }), stepList(def.actions, 'actions')),
        failureCard(),
        el('div', { 'data-problems': '', class: 'callout' }),
        actionsBar(),
      )
      showProblems()
    }

    function generalCard() {
      return el('section', { class: 'card' },
        el('div', { class: 'grid-2' },
          field('Name', input(def.name, (v) => { def.name = v; changed() }, { 'data-field': 'name', required: true }), 'name'),
          field('Description', input(def.description, (v) => { def.description = v; changed() }), 'description')),
        checkbox('Enabled', def.enabled, (v) => { def.enabled = v; changed() }))
    }

    function triggerCard() {
      const tr = def.trigger
      const body = el('div', { class: 'stack-sm' })
      const card = el('section', { class: 'card trigger-card' }, el('h2', { text: 'Trigger' }),
        field('Starts', select([{ value: 'schedule', label: 'On a schedule' }, { value: 'event', label: 'When something happens' }, { value: 'webhook', label: 'When a webhook is called' }, { value: 'manual', label: 'Only by hand' }], tr.type, (v) => {
          def.trigger = v === 'schedule' ? { type: v, cron: '0 2 * * *', timezone: tr.timezone || 'UTC' } : v === 'event' ? { type: v, event: 'device.enrolled' } : { type: v }
          rerenderTrigger(); changed()
        }, { 'data-field': 'trigger.type' }), 'trigger.type'),
        body)
      const rerenderTrigger = () => body.replaceChildren(...triggerFields())
      rerenderTrigger()
      return card
    }

    function triggerFields() {
      const tr = def.trigger
      const set = (k, v) => { if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) delete tr[k]; else tr[k] = v; changed() }
      if (tr.type === 'schedule') {
        return [el('div', { class: 'grid-2' },
          field('Cron expression', input(tr.cron, (v) => set('cron', v.trim()), { class: 'mono', 'data-field': 'trigger.cron', placeholder: '0 2 * * *' }), 'trigger.cron', 'minute hour day-of-month month day-of-week, e.g. 0 2 * * * (every day at 02:00), */15 8-18 * * 1-5'),
          field('Time zone', select(opts.timezones.map((z) => ({ value: z, label: z })), tr.timezone || 'UTC', (v) => set('timezone', v), { 'data-field': 'trigger.timezone' }), 'trigger.timezone')),
        el('div', { 'data-schedule-preview': '' })]
      }
      if (tr.type === 'webhook') return [el('p', { class: 'muted', text: 'After saving, the automation page shows its URL and the secret to sign requests with (HMAC-SHA256). A JSON body may name a deviceId.' })]
      if (tr.type === 'manual') return [el('p', { class: 'muted', text: 'Runs when someone presses "Run now" (or calls POST /api/v1/automations/:id/run).' })]
      const out = [field('Event', select(Object.entries(eventLabels).map(([value, label]) => ({ value, label })), tr.event, (v) => { def.trigger = { type: 'event', event: v }; render(); changed() }, { 'data-field': 'trigger.event' }), 'trigger.event')]
      if (tr.event === 'device.offline') out.push(field('Offline for (minutes)', number(tr.durationMinutes, (v) => set('durationMinutes', v), { min: 1, 'data-field': 'trigger.durationMinutes' }), 'trigger.durationMinutes'))
      if (tr.event === 'alert.triggered') {
        out.push(field('Alert rule', select([{ value: '', label: 'Any rule' }, ...opts.alertRules.map((r) => ({ value: r.id, label: r.name }))], tr.alertRuleId, (v) => set('alertRuleId', v)), 'trigger.alertRuleId'))
        out.push(field('Severities', multi(opts.severities.map((x) => ({ value: x, label: x })), tr.severities, (v) => set('severities', v)), 'trigger.severities', 'None selected: any severity'))
      }
      if (tr.event === 'script.completed') {
        out.push(field('Script', select([{ value: '', label: 'Any script' }, ...opts.scripts.map((s) => ({ value: s.id, label: s.name }))], tr.scriptId, (v) => set('scriptId', v)), 'trigger.scriptId'))
        out.push(field('Outcome', select([{ value: 'any', label: 'Any' }, { value: 'succeeded', label: 'Succeeded' }, { value: 'failed', label: 'Failed' }], tr.outcome || 'any', (v) => set('outcome', v)), 'trigger.outcome'))
      }
      if (tr.event === 'software.changed') {
        out.push(field('Software name contains', input(tr.softwareName, (v) => set('softwareName', v)), 'trigger.softwareName', 'Empty: any software'))
        out.push(field('Change', select([{ value: 'any', label: 'Any' }, { value: 'installed', label: 'Installed' }, { value: 'removed', label: 'Removed' }, { value: 'updated', label: 'Updated' }], tr.change || 'any', (v) => set('change', v)), 'trigger.change'))
      }
      return out
    }

    function conditionsCard() {
      const c = def.conditions
      const windowBox = el('div', { class: 'stack-sm' })
      const drawWindow = () => {
        const w = c.timeWindow
        if (!w) { windowBox.replaceChildren(); return }
        windowBox.replaceChildren(
          el('div', { class: 'row', 'data-path': 'conditions.timeWindow.days' }, days.map((d, i) => checkbox(d, w.days.includes(i), (on) => { w.days = on ? [...w.days, i].sort() : w.days.filter((x) => x !== i); changed() })), el('div', { class: 'error', 'data-error': '' })),
          el('div', { class: 'grid-4' },
            field('From', input(w.from, (v) => { w.from = v; changed() }, { type: 'time' }), 'conditions.timeWindow.from'),
            field('To', input(w.to, (v) => { w.to = v; changed() }, { type: 'time' }), 'conditions.timeWindow.to'),
            field('Time zone', select(opts.timezones.map((z) => ({ value: z, label: z })), w.timezone, (v) => { w.timezone = v; changed() }), 'conditions.timeWindow.timezone')))
      }
      drawWindow()
      return el('section', { class: 'card' }, el('h2', { text: 'Conditions' }),
        field('Only devices matching', input(c.deviceFilter, (v) => { if (v.trim()) c.deviceFilter = v; else delete c.deviceFilter; changed() }, { class: 'mono rule-input', placeholder: 'os = windows AND tag = servers' }), 'conditions.deviceFilter', 'The device-group rule language; empty: every device'),
        checkbox('Only inside a weekly time window', !!c.timeWindow, (on) => { if (on) c.timeWindow = { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00', timezone: opts.timezones.includes(def.trigger.timezone) ? def.trigger.timezone : 'UTC' }; else delete c.timeWindow; drawWindow(); changed() }),
        windowBox)
    }

    function failureCard() {
      return el('section', { class: 'card grid-2' },
        field('When a step fails', select([{ value: 'stop', label: 'Stop the run' }, { value: 'continue', label: 'Carry on with the next step' }, { value: 'notify', label: 'Stop and notify' }], def.onFailure, (v) => { def.onFailure = v; changed() }), 'onFailure'),
        field('Notify', multi(opts.channels.map((c) => ({ value: c.id, label: `${c.name} (${c.type})` })), def.notifyChannelIds, (v) => { def.notifyChannelIds = v; changed() }), 'notifyChannelIds', 'Channels told when a run fails (with "Stop and notify")'))
    }

    function actionsBar() {
      const status = el('span', { class: 'small muted', 'data-save-status': '' })
      const testDevice = select([{ value: '', label: 'Choose a device…' }, ...opts.devices.map((d) => ({ value: d.id, label: `${d.name} (${d.os}, ${d.status})` }))], '', () => {}, { 'data-test-device': '' })
      const secretBox = el('div', { 'data-secret': '' })
      return el('section', { class: 'card stack-sm' },
        el('div', { class: 'row' },
          el('button', { type: 'button', class: 'btn primary', 'data-action': 'save', onclick: () => save(false) }, automationId ? 'Save' : 'Create automation'),
          el('a', { class: 'btn', href: automationId ? `/automations/${automationId}` : '/automations' }, 'Cancel'),
          status),
        el('div', { class: 'row' },
          el('label', { for: testDevice.id = fieldId(), text: 'Test run on' }), testDevice,
          el('button', { type: 'button', class: 'btn', 'data-action': 'test-run', onclick: () => save(testDevice.value || null) }, 'Save and test run')),
        el('p', { class: 'small muted', text: 'A test run acts on the chosen device only, cuts waits to 5 s and marks messages [TEST]; its page shows each step\'s result.' }),
        secretBox)
    }

    async function save(testDeviceId) {
      const status = root.querySelector('[data-save-status]')
      if (testDeviceId === null) { status.textContent = 'Choose a device for the test run.'; return }
      status.textContent = 'Saving…'
      const res = automationId ? await api('PATCH', `/api/v1/automations/${automationId}`, def) : await api('POST', '/api/v1/automations', { ...def, ...ownerQuery() })
      if (res.status !== 200 && res.status !== 201) {
        touched = true
        lastProblems = res.json?.error?.details?.problems || [{ path: res.json?.error?.details?.field || 'definition', message: res.json?.error?.message || `could not save (${res.status})` }]
        showProblems()
        status.textContent = 'Not saved: fix the problems shown.'
        return
      }
      const id = res.json.id
      const next = async () => {
        if (testDeviceId) {
          const run = await api('POST', `/api/v1/automations/${id}/run`, { deviceId: testDeviceId, test: true })
          if (run.status === 202 && run.json.runs.length) { window.location.assign(`/automation-runs/${run.json.runs[0].id}`); return }
          status.textContent = run.json?.error?.message || 'The test run did not start.'
          return
        }
        window.location.assign(`/automations/${id}`)
      }
      if (res.json.webhookSecret) {
        status.textContent = 'Saved.'
        root.querySelector('[data-secret]').replaceChildren(el('div', { class: 'callout warn' },
          el('p', { text: 'The webhook secret (shown once — copy it now):' }), el('div', { class: 'secret', text: res.json.webhookSecret }),
          el('p', {}, el('button', { type: 'button', class: 'btn primary', onclick: next }, 'Continue'))))
        return
      }
      await next()
    }

    // ---- steps ----

    function stepList(list, path) {
      const ol = el('ol', { class: 'step-list' })
      list.forEach((step, i) => ol.append(stepCard(list, i, `${path}.${i}`)))
      const kind = select([{ value: '', label: 'Add a step…' }, ...Object.entries(stepLabels).map(([value, label]) => ({ value, label }))], '', (v) => {
        if (!v) return
        list.push(defaultStep(v))
        render(); changed()
      }, { 'data-add-step': path, 'aria-label': `Add a step to ${path}` })
      return el('div', { class: 'stack-sm' }, ol, kind)
    }

    function defaultStep(type) {
      const s = { id: newStepId(), type }
      const orgScoped = owner.startsWith('org:')
      if (type === 'run_script' || type === 'update_device') s.target = { triggerDevice: def.trigger.type !== 'schedule' || !orgScoped ? true : undefined, wholeOrg: def.trigger.type === 'schedule' && orgScoped ? true : undefined }
      if (type === 'run_script') s.target = clean(s.target)
      if (type === 'update_device') s.target = clean(s.target)
      if (type === 'wait') s.seconds = 60
      if (type === 'condition') { s.match = 'all'; s.clauses = [{ field: 'last_step.status', op: '=', value: 'succeeded' }]; s.then = []; s.else = [] }
      if (type === 'notify') { s.channelIds = []; s.title = '{{automation.name}}: {{device.name}}'; s.message = ''; s.severity = 'info' }
      if (type === 'create_ticket') { s.title = '{{automation.name}} on {{device.name}}'; s.priority = 'normal' }
      return s
    }

    function stepCard(list, i, path) {
      const s = list[i]
      const move = (d) => { const j = i + d; if (j < 0 || j >= list.length) return; [list[i], list[j]] = [list[j], list[i]]; render(); changed() }
      const head = el('div', { class: 'row step-head' },
        el('span', { class: 'badge info', text: String(i + 1) }),
        el('strong', { text: stepLabels[s.type] || s.type }),
        el('span', { class: 'grow' }),
        el('button', { type: 'button', class: 'btn small', title: 'Move up', 'aria-label': 'Move up', disabled: i === 0 || undefined, onclick: () => move(-1) }, '↑'),
        el('button', { type: 'button', class: 'btn small', title: 'Move down', 'aria-label': 'Move down', disabled: i === list.length - 1 || undefined, onclick: () => move(1) }, '↓'),
        el('button', { type: 'button', class: 'btn small danger', title: 'Remove', 'aria-label': 'Remove step', onclick: () => { list.splice(i, 1); render(); changed() } }, '✕'))
      const card = el('li', { class: `step-card step-${s.type}`, 'data-path': path, 'data-step-type': s.type }, head, el('div', { class: 'error', 'data-error': '' }))
      card.append(field('Label (optional)', input(s.label, (v) => { if (v) s.label = v; else delete s.label; changed() }), `${path}.label`))
      card.append(...stepFields(s, path))
      return card
    }

    function setter(s) {
      return (k, v) => { if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) delete s[k]; else s[k] = v; changed() }
    }

    function targetFields(s, path) {
      const tg = s.target || (s.target = {})
      const set = (k, v) => { if (v === undefined || v === false || (Array.isArray(v) && !v.length)) delete tg[k]; else tg[k] = v; changed() }
      const org = owner.startsWith('org:')
      return el('fieldset', { 'data-path': `${path}.target` }, el('legend', { text: 'On which devices' }), el('div', { class: 'error', 'data-error': '' }),
        checkbox('The triggering device', !!tg.triggerDevice, (v) => set('triggerDevice', v)),
        checkbox('Every device of the organization', !!tg.wholeOrg, (v) => set('wholeOrg', v)),
        org ? el('div', { class: 'grid-4' },
          field('Devices', multi(opts.devices.map((d) => ({ value: d.id, label: d.name })), tg.deviceIds, (v) => set('deviceIds', v)), `${path}.target.deviceIds`),
          field('Groups', multi(opts.groups.map((g) => ({ value: g.id, label: g.name })), tg.groupIds, (v) => set('groupIds', v)), `${path}.target.groupIds`),
          field('Sites', multi(opts.sites.map((x) => ({ value: x.id, label: x.name })), tg.siteIds, (v) => set('siteIds', v)), `${path}.target.siteIds`)) : '')
    }

    function stepFields(s, path) {
      const set = setter(s)
      switch (s.type) {
        case 'run_script': {
          const params = el('div', { class: 'grid-4' })
          const drawParams = () => {
            const script = opts.scripts.find((x) => x.id === s.scriptId)
            params.replaceChildren(...(script ? script.parameters.map((p) => field(`${p.label || p.name}${p.required ? ' *' : ''}`, p.type === 'select' && p.options
              ? select([{ value: '', label: '' }, ...p.options.map((o) => ({ value: o, label: o }))], s.parameters?.[p.name], (v) => { s.parameters = clean({ ...(s.parameters || {}), [p.name]: v }); changed() })
              : input(s.parameters?.[p.name], (v) => { s.parameters = clean({ ...(s.parameters || {}), [p.name]: p.type === 'number' && v !== '' ? Number(v) : p.type === 'boolean' ? v === 'true' : v }); changed() }, { placeholder: p.type === 'secret' ? 'secret' : '{{device.name}}…' }),
            `${path}.parameters.${p.name}`)) : []))
          }
          drawParams()
          return [
            field('Script', select([{ value: '', label: 'Choose a script…' }, ...opts.scripts.map((x) => ({ value: x.id, label: `${x.name} (${x.osTypes.join('/')})` }))], s.scriptId, (v) => { set('scriptId', v); delete s.parameters; drawParams() }, { 'data-field': 'scriptId' }), `${path}.scriptId`),
            params, targetFields(s, path),
            el('div', { class: 'grid-4' },
              checkbox('Wait for the result', s.waitForResult !== false, (v) => set('waitForResult', v ? undefined : false)),
              field('Give up after (minutes)', number(s.timeoutMinutes, (v) => set('timeoutMinutes', v), { min: 1, placeholder: '60' }), `${path}.timeoutMinutes`)),
          ]
        }
        case 'notify':
          return [
            field('Channels', multi(opts.channels.map((c) => ({ value: c.id, label: `${c.name} (${c.type})` })), s.channelIds, (v) => set('channelIds', v), { 'data-field': 'channelIds' }), `${path}.channelIds`),
            field('Title', input(s.title, (v) => set('title', v), { 'data-field': 'title' }), `${path}.title`, 'Placeholders: {{device.name}}, {{device.site}}, {{last_step.status}}, {{last_step.exit_code}}, {{trigger.severity}}, {{run.url}}…'),
            field('Message', el('textarea', { rows: 3, value: s.message || '', oninput: (e) => set('message', e.target.value) }), `${path}.message`),
            field('Severity', select(opts.severities.map((x) => ({ value: x, label: x })), s.severity || 'info', (v) => set('severity', v)), `${path}.severity`),
          ]
        case 'update_device': {
          const fields = Object.entries(s.customFields || {}).map(([k, v]) => `${k}=${v === null ? '' : v}`).join('\n')
          return [
            targetFields(s, path),
            el('div', { class: 'grid-4' },
              field('Add tags', input((s.addTags || []).join(', '), (v) => set('addTags', csv(v)), { 'data-field': 'addTags' }), `${path}.addTags`, 'Comma-separated'),
              field('Remove tags', input((s.removeTags || []).join(', '), (v) => set('removeTags', csv(v))), `${path}.removeTags`),
              ...(owner.startsWith('org:') ? [
                field('Add to group', select([{ value: '', label: '—' }, ...opts.groups.filter((g) => g.type === 'static').map((g) => ({ value: g.id, label: g.name }))], s.addToGroupId, (v) => set('addToGroupId', v)), `${path}.addToGroupId`),
                field('Remove from group', select([{ value: '', label: '—' }, ...opts.groups.filter((g) => g.type === 'static').map((g) => ({ value: g.id, label: g.name }))], s.removeFromGroupId, (v) => set('removeFromGroupId', v)), `${path}.removeFromGroupId`),
                field('Move to site', select([{ value: '', label: '—' }, ...opts.sites.map((x) => ({ value: x.id, label: x.name }))], s.siteId, (v) => set('siteId', v)), `${path}.siteId`),
              ] : [])),
            field('Custom fields', el('textarea', { rows: 2, class: 'mono', value: fields, placeholder: 'owner={{device.hostname}}\nstate=', oninput: (e) => {
              const out = {}
              for (const line of e.target.value.split('\n')) { const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=(.*)$/.exec(line); if (m) out[m[1]] = m[2].trim() === '' ? null : m[2].trim() }
              set('customFields', Object.keys(out).length ? out : undefined)
            } }), `${path}.customFields`, 'One name=value per line; an empty value removes the field'),
          ]
        }
        case 'run_automation':
          return [
            field('Automation', select([{ value: '', label: 'Choose…' }, ...opts.automations.map((a) => ({ value: a.id, label: a.name }))], s.automationId, (v) => set('automationId', v)), `${path}.automationId`),
            checkbox('Wait for it to finish', s.waitForResult !== false, (v) => set('waitForResult', v ? undefined : false)),
          ]
        case 'wait':
          return [field('Seconds', number(s.seconds, (v) => set('seconds', v), { min: 1, 'data-field': 'seconds' }), `${path}.seconds`, 'Durable: a restart in the middle of the wait resumes it')]
        case 'create_ticket':
          return [
            field('Title', input(s.title, (v) => set('title', v)), `${path}.title`),
            field('Description', el('textarea', { rows: 3, value: s.description || '', oninput: (e) => set('description', e.target.value) }), `${path}.description`),
            field('Priority', select(['urgent', 'high', 'normal', 'low'].map((x) => ({ value: x, label: x })), s.priority || 'normal', (v) => set('priority', v)), `${path}.priority`),
          ]
        case 'condition': {
          s.clauses = s.clauses || []
          const rows = el('div', { class: 'stack-sm', 'data-path': `${path}.clauses` }, el('div', { class: 'error', 'data-error': '' }))
          const listId = fieldId()
          const fieldList = el('datalist', { id: listId }, opts.conditionFields.map((f) => el('option', { value: f.field, text: f.label })))
          s.clauses.forEach((c, ci) => rows.append(el('div', { class: 'grid-4 clause', 'data-path': `${path}.clauses.${ci}` },
            field('Field', input(c.field, (v) => { c.field = v.trim(); changed() }, { list: listId, class: 'mono', 'data-field': 'clause-field' }), `${path}.clauses.${ci}.field`),
            field('Is', select(opts.conditionOps.map((o) => ({ value: o, label: o })), c.op, (v) => { c.op = v; changed() }), `${path}.clauses.${ci}.op`),
            field('Value', input(c.value, (v) => { c.value = v !== '' && !Number.isNaN(Number(v)) && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v; changed() }, { 'data-field': 'clause-value' }), `${path}.clauses.${ci}.value`),
            el('div', { class: 'field' }, el('button', { type: 'button', class: 'btn small danger', onclick: () => { s.clauses.splice(ci, 1); render(); changed() } }, 'Remove')),
            el('div', { class: 'error', 'data-error': '' }))))
          return [
            field('Match', select([{ value: 'all', label: 'All of these' }, { value: 'any', label: 'Any of these' }], s.match || 'all', (v) => set('match', v)), `${path}.match`),
            fieldList, rows,
            el('button', { type: 'button', class: 'btn small', onclick: () => { s.clauses.push({ field: 'last_step.exit_code', op: '=', value: 0 }); render(); changed() } }, 'Add a condition'),
            el('div', { class: 'branch then', 'data-path': `${path}.then` }, el('h4', { text: 'Then' }), el('div', { class: 'error', 'data-error': '' }), stepList(s.then || (s.then = []), `${path}.then`)),
            el('div', { class: 'branch else', 'data-path': `${path}.else` }, el('h4', { text: 'Else' }), el('div', { class: 'error', 'data-error': '' }), stepList(s.else || (s.else = []), `${path}.else`)),
          ]
        }
      }
      return []
    }

    load()
  }

  // The policy editor's repeated rows (settings, rules): add from the <template> with a fresh
  // index (never reused, so names stay unique after removals), remove a row.
  const ruleFields = {
    name: ['service_running', 'software_installed', 'software_absent'], path: ['file_present', 'registry_value'], valueName: ['registry_value'],
    version: ['software_installed'], setting: ['agent_config'], expected: ['registry_value', 'agent_config'], scriptId: ['script'],
  }

  document.addEventListener('alpine:init', () => {
    window.Alpine.data('automationEditor', () => ({
      init() { Editor(this.$el) },
    }))
    window.Alpine.data('policyRows', () => ({
      next: 0,
      init() {
        const start = this.$el.querySelector('[data-start]')
        this.next = Math.max(Number(start?.dataset.start || 0), this.$el.querySelectorAll('[data-rows] > [data-row]').length)
      },
      addRow() {
        // note: in a handler $el is the button; $root is the component's element.
        const tpl = this.$root.querySelector(':scope > template')
        this.$root.querySelector('[data-rows]').insertAdjacentHTML('beforeend', tpl.innerHTML.replaceAll('__INDEX__', String(this.next++)))
      },
      removeRow(event) { event.target.closest('[data-row]').remove() },
    }))
    window.Alpine.data('ruleRow', () => ({
      kind: '',
      init() { this.kind = this.$el.dataset.kind || 'service_running' },
      pick(event) { this.kind = event.target.value },
      has(field) { return (ruleFields[field] || []).includes(this.kind) },
    }))
  })
})()
