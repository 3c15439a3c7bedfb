// Device detail: a header with the device's identity and actions, and one tab per view
// (overview, hardware, software, services, network, processes, metrics, history).
import type { Children } from '@kitajs/html'
import type { CustomFieldView } from '../../src/devices/custom-fields'
import type { MaintenanceView } from '../../src/devices/maintenance-repo'
import type { DeviceChange, Device, Disk, Hardware, NetworkInterface, Software } from '../../src/devices/repo'
import type { PageProps } from '../../src/web/page'
import type { ScheduledPowerView } from '../../src/device-actions/power-schedule'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Csrf, FormError, PostButton } from '../components/form'
import { Layout } from '../layout'
import { CustomFieldsCard } from './custom-fields'
import { PowerMenu, ScheduledPowerCallout } from '../device-actions/power'
import { Ago, bytes, deviceLabel, DeviceStatus, duration, MaintenanceDurationOptions, Meter, osLabels, Tags } from './parts'

export type DeviceTab = 'overview' | 'hardware' | 'software' | 'services' | 'network' | 'processes' | 'eventlogs' | 'command' | 'patches' | 'metrics' | 'history'

export type DeviceHeader = {
  device: Device
  siteName: string
  orgName: string
  canWrite: boolean
  canDelete: boolean
  /** What the caller may do on this device beyond reading it (tabs and buttons follow). */
  may: DeviceAbilities
  /** Set while the device is in maintenance. */
  maintenance: MaintenanceView | null
  /** Power actions waiting for their time. */
  scheduledPower?: ScheduledPowerView[]
  now: number
}

/** Per-device permissions of the caller (site-limited members included). */
export type DeviceAbilities = { processes: boolean; services: boolean; eventlogs: boolean; power: boolean; command: boolean; patches: boolean }

const tabs: { key: DeviceTab; label: string; path: string; needs?: keyof DeviceAbilities }[] = [
  { key: 'overview', label: 'Overview', path: '' },
  { key: 'hardware', label: 'Hardware', path: '/hardware' },
  { key: 'software', label: 'Software', path: '/software' },
  { key: 'services', label: 'Services', path: '/services' },
  { key: 'network', label: 'Network', path: '/network' },
  { key: 'processes', label: 'Processes', path: '/processes', needs: 'processes' },
  { key: 'eventlogs', label: 'Event log', path: '/event-logs', needs: 'eventlogs' },
  { key: 'command', label: 'Run command', path: '/command', needs: 'command' },
  { key: 'patches', label: 'Patches', path: '/patches', needs: 'patches' },
  { key: 'metrics', label: 'Metrics', path: '/metrics' },
  { key: 'history', label: 'History', path: '/history' },
]

export function DeviceLayout({ page, h, tab, children }: { page: PageProps; h: DeviceHeader; tab: DeviceTab; children: Children }) {
  const d = h.device
  const active = d.status !== 'decommissioned'
  return (
    <Layout page={page} title={deviceLabel(d)}>
      <div data-live-events="live:device.status">
        <PageHeader title={deviceLabel(d)} subtitle={`${osLabels[d.osType] ?? d.osType} · ${d.osVersion} · ${h.orgName} / ${h.siteName}`}>
          <DeviceStatus id={d.id} status={d.status} />
          {active && h.canWrite ? <PostButton action={`/devices/${d.id}/check-in`} csrf={page.csrf} label="Check in now" /> : ''}
          {active && h.may.power ? <PowerMenu deviceId={d.id} csrf={page.csrf} label={deviceLabel(d)} pendingReboot={d.pendingReboot} online={d.status === 'online'} /> : ''}
          {active && page.can.includes('remote:access') ? <a class="btn" href={`/devices/${d.id}/remote`}>Remote</a> : ''}
          {active && page.can.includes('scripts:execute') ? <a class="btn" href={`/scripts?forDevice=${d.id}`}>Run script</a> : ''}
          {page.can.includes('scripts:read') ? <a class="btn" href={`/executions?deviceId=${d.id}`}>Script runs</a> : ''}
          {active && h.canDelete ? <PostButton action={`/devices/${d.id}/decommission`} csrf={page.csrf} label="Decommission" danger confirm={`Decommission ${deviceLabel(d)}? It leaves every list and its agent is disconnected. Its history is kept.`} /> : ''}
        </PageHeader>
        {d.cloneSuspectedAt ? <div class="callout warn">Another machine presented this device's agent identity (a cloned VM?) at <Time ms={d.cloneSuspectedAt} />. Re-enroll the clone with its own key.</div> : ''}
        {d.cloneOf ? <div class="callout info">This machine has the same hardware id as <a href={`/devices/${d.cloneOf}`}>another device</a>: it was enrolled as a separate device (a technician approved "keep both").</div> : ''}
        {d.status === 'maintenance' ? <MaintenanceCallout page={page} h={h} /> : ''}
        {h.scheduledPower?.length ? <ScheduledPowerCallout deviceId={d.id} csrf={page.csrf} scheduled={h.scheduledPower} canCancel={h.may.power} /> : ''}
        {!active ? <div class="callout">This device was decommissioned <Ago ms={d.decommissionedAt} now={h.now} />. Re-enrolling the machine brings it back.</div> : ''}
        <nav class="tabs" aria-label="Device">
          {tabs.filter((t) => !t.needs || h.may[t.needs]).map((t) => <a href={`/devices/${d.id}${t.path}`} aria-current={t.key === tab ? 'page' : undefined} safe>{t.label}</a>)}
        </nav>
        <div class="stack">{children}</div>
      </div>
    </Layout>
  )
}

/** MaintenanceCallout: since when, by whom, until when and why; "End maintenance" for those who may. */
function MaintenanceCallout({ page, h }: { page: PageProps; h: DeviceHeader }) {
  const m = h.maintenance
  return (
    <div class="callout warn" id="maintenance-callout">
      <strong>In maintenance</strong>{m ? <> since <Ago ms={m.startedAt} now={h.now} />{m.startedByEmail ? <> by <span safe>{m.startedByEmail}</span></> : ''}, {m.endsAt ? <>until <Time ms={m.endsAt} /></> : 'until turned off'}</> : ''}.
      {' '}Alerts are held back and online/offline tracking is paused.
      {m?.reason ? <div>Reason: <span safe>{m.reason}</span></div> : ''}
      {h.canWrite ? <div><PostButton action={`/devices/${h.device.id}/maintenance/end`} csrf={page.csrf} label="End maintenance" small /></div> : ''}
    </div>
  )
}

/** MaintenanceForm starts maintenance (or changes the current one's end and reason). */
function MaintenanceForm({ page, h, errors }: { page: PageProps; h: DeviceHeader; errors?: FieldErrors }) {
  const inMaintenance = h.device.status === 'maintenance'
  return (
    <section class="card form-narrow" id="maintenance">
      <h2>Maintenance mode</h2>
      <p class="small muted">While in maintenance the device's alerts are held back and it is not marked offline. It goes back to online or offline when the maintenance ends.</p>
      <form method="post" action={`/devices/${h.device.id}/maintenance`}>
        <Csrf token={page.csrf} />
        <div class={errors?.durationMinutes ? 'field invalid' : 'field'}>
          <label for="f-durationMinutes">{inMaintenance ? 'New end: from now' : 'Duration'}</label>
          <select id="f-durationMinutes" name="durationMinutes"><MaintenanceDurationOptions /></select>
          {errors?.durationMinutes ? <div class="error" safe>{errors.durationMinutes}</div> : ''}
        </div>
        <div class={errors?.reason ? 'field invalid' : 'field'}>
          <label for="f-reason">Reason</label>
          <input id="f-reason" name="reason" type="text" maxlength="500" value={inMaintenance ? h.maintenance?.reason ?? '' : ''} placeholder="Patching, disk replacement…" />
          {errors?.reason ? <div class="error" safe>{errors.reason}</div> : ''}
        </div>
        <button class="btn" type="submit">{inMaintenance ? 'Change maintenance' : 'Start maintenance'}</button>
      </form>
    </section>
  )
}

type Group = { id: string; name: string; type: string }
/** An open alert of the device (from the alerts domain), shown only when there are any. */
export type OpenAlert = { id: string; severity: string; title: string; status: string; triggeredAt: number }

const severityKinds: Record<string, string> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'info', info: '' }

function OpenAlerts({ alerts, total, deviceId, now }: { alerts: OpenAlert[]; total: number; deviceId: string; now: number }) {
  if (alerts.length === 0) return ''
  return (
    <section class="card">
      <h2>Open alerts</h2>
      <table>
        <tbody>{alerts.map((a) => (
          <tr>
            <td><span class={`badge ${severityKinds[a.severity] ?? ''}`} safe>{a.severity}</span></td>
            <td><a href={`/alerts/${a.id}`} safe>{a.title}</a></td>
            <td class="small" safe>{a.status}</td>
            <td class="small nowrap"><Ago ms={a.triggeredAt} now={now} /></td>
          </tr>
        ))}</tbody>
      </table>
      {total > alerts.length ? <p class="small"><a href={`/alerts?deviceId=${deviceId}`}>All {total} open alerts</a></p> : ''}
    </section>
  )
}

export function OverviewTab({ page, h, groups, primaryIp, sites, alerts, customFields, values, errors, maintenanceErrors }: {
  page: PageProps; h: DeviceHeader; groups: Group[]; primaryIp: string | null; sites: { id: string; name: string }[]
  alerts: { rows: OpenAlert[]; total: number }; customFields: CustomFieldView[]; values?: FormValues; errors?: FieldErrors; maintenanceErrors?: FieldErrors
}) {
  const d = h.device
  const v = values ?? { displayName: d.displayName ?? '', tags: d.tags.join(', '), siteId: d.siteId }
  return (
    <DeviceLayout page={page} h={h} tab="overview">
      <div class="grid-4 stats">
        <div class="card stat"><span class="label">CPU</span><Meter value={d.cpuPercent} /></div>
        <div class="card stat"><span class="label">Memory</span><Meter value={d.ramPercent} /></div>
        <div class="card stat"><span class="label">Fullest disk</span><Meter value={d.diskPercent} /></div>
        <div class="card stat"><span class="label">Uptime</span><span class="value small">{d.bootTime && d.status === 'online' ? duration(h.now - d.bootTime) : '—'}</span></div>
      </div>
      <OpenAlerts alerts={alerts.rows} total={alerts.total} deviceId={d.id} now={h.now} />
      <div class="grid-2">
        <section class="card">
          <h2>Status</h2>
          <dl class="props">
            <dt>Status</dt><dd><DeviceStatus id={d.id} status={d.status} /></dd>
            <dt>Last seen</dt><dd><Ago ms={d.lastSeenAt} now={h.now} id={d.id} /></dd>
            <dt>Last user</dt><dd safe>{d.lastUser ?? '—'}</dd>
            <dt>Signed in now</dt><dd>{d.loggedInUsers.length ? <span safe>{d.loggedInUsers.join(', ')}</span> : '—'}</dd>
            <dt>Pending reboot</dt><dd>{d.pendingReboot ? <span class="badge warn">Yes</span> : 'No'}</dd>
            <dt>Last inventory</dt><dd><Ago ms={d.lastInventoryAt} now={h.now} /></dd>
            <dt>Enrolled</dt><dd><Time ms={d.enrolledAt} /></dd>
          </dl>
        </section>
        <section class="card">
          <h2>System</h2>
          <dl class="props">
            <dt>Hostname</dt><dd class="mono" safe>{d.hostname}</dd>
            <dt>Operating system</dt><dd safe>{d.osVersion}</dd>
            <dt>Build</dt><dd safe>{d.osBuild ?? '—'}</dd>
            <dt>Architecture</dt><dd safe>{d.architecture}</dd>
            <dt>IP address</dt><dd class="mono" safe>{primaryIp ?? '—'}</dd>
            <dt>Public IP</dt><dd class="mono" safe>{d.publicIp ?? '—'}</dd>
            <dt>Agent</dt><dd class="mono" safe>{d.agentVersion}</dd>
            <dt>Tags</dt><dd><Tags tags={d.tags} link /></dd>
            <dt>Groups</dt><dd>{groups.length ? groups.map((g) => <a class="badge" href={`/groups/${g.id}`} safe>{g.name}</a>) : <span class="muted">—</span>}</dd>
          </dl>
        </section>
      </div>
      <CustomFieldsCard deviceId={d.id} fields={customFields} canWrite={h.canWrite && d.status !== 'decommissioned'} csrf={page.csrf} now={h.now} />
      {h.canWrite && d.status !== 'decommissioned'
        ? (
          <section class="card form-narrow">
            <h2>Manage</h2>
            <form method="post" action={`/devices/${d.id}`}>
              <Csrf token={page.csrf} />
              <FormError errors={errors} />
              <div class={errors?.displayName ? 'field invalid' : 'field'}>
                <label for="f-displayName">Display name</label>
                <input id="f-displayName" name="displayName" type="text" value={String(v.displayName ?? '')} placeholder={d.hostname} maxlength="200" />
                <div class="hint">Leave empty to show the hostname.</div>
                {errors?.displayName ? <div class="error" safe>{errors.displayName}</div> : ''}
              </div>
              <div class={Object.keys(errors ?? {}).some((k) => k.startsWith('tags')) ? 'field invalid' : 'field'}>
                <label for="f-tags">Tags</label>
                <input id="f-tags" name="tags" type="text" value={String(v.tags ?? '')} placeholder="servers, accounting" />
                <div class="hint">Comma-separated; stored in lower case. Dynamic groups can select by tag.</div>
                {Object.entries(errors ?? {}).filter(([k]) => k.startsWith('tags')).map(([, m]) => <div class="error" safe>{m}</div>)}
              </div>
              {sites.length > 1
                ? (
                  <div class={errors?.siteId ? 'field invalid' : 'field'}>
                    <label for="f-siteId">Site</label>
                    <select id="f-siteId" name="siteId">{sites.map((s) => <option value={s.id} selected={s.id === v.siteId} safe>{s.name}</option>)}</select>
                    {errors?.siteId ? <div class="error" safe>{errors.siteId}</div> : ''}
                  </div>
                )
                : ''}
              <button class="btn primary" type="submit">Save</button>
            </form>
          </section>
        )
        : ''}
      {h.canWrite && d.status !== 'decommissioned' ? <MaintenanceForm page={page} h={h} errors={maintenanceErrors} /> : ''}
    </DeviceLayout>
  )
}

export function HardwareTab({ page, h, hardware, disks }: { page: PageProps; h: DeviceHeader; hardware: Hardware | null; disks: Disk[] }) {
  return (
    <DeviceLayout page={page} h={h} tab="hardware">
      {!hardware
        ? <section class="card"><EmptyState title="No hardware inventory yet" text="The agent reports hardware right after enrolling and every six hours; use “Check in now” to ask for it." /></section>
        : (
          <div class="grid-2">
            <section class="card">
              <h2>Machine</h2>
              <dl class="props">
                <dt>Manufacturer</dt><dd safe>{hardware.manufacturer ?? '—'}</dd>
                <dt>Model</dt><dd safe>{hardware.model ?? '—'}</dd>
                <dt>Serial number</dt><dd class="mono" safe>{hardware.serialNumber ?? '—'}</dd>
                <dt>BIOS / firmware</dt><dd safe>{hardware.biosVersion ?? '—'}</dd>
                <dt>Updated</dt><dd><Ago ms={hardware.updatedAt} now={h.now} /></dd>
              </dl>
            </section>
            <section class="card">
              <h2>Processor and memory</h2>
              <dl class="props">
                <dt>CPU</dt><dd safe>{hardware.cpuModel ?? '—'}</dd>
                <dt>Cores / threads</dt><dd safe>{`${hardware.cpuCores ?? '—'} / ${hardware.cpuThreads ?? '—'}`}</dd>
                <dt>Memory</dt><dd>{hardware.ramTotalMb ? bytes(hardware.ramTotalMb * 1024 * 1024) : '—'}</dd>
                <dt>Disk capacity</dt><dd>{hardware.diskTotalGb ? `${hardware.diskTotalGb} GB` : '—'}</dd>
                <dt>GPU</dt><dd safe>{hardware.gpuModel ?? '—'}</dd>
              </dl>
            </section>
          </div>
        )}
      <section class="card flush">
        <h2 class="card-title">Disks and volumes</h2>
        {disks.length === 0
          ? <EmptyState title="No volumes reported" text="Volumes appear with the next inventory." />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Mount</th><th>File system</th><th>Size</th><th>Used</th><th>Free</th><th>Use</th></tr></thead>
                <tbody>{disks.map((k) => (
                  <tr>
                    <td class="mono" safe>{k.mount}</td><td safe>{k.fsType ?? '—'}</td><td safe>{bytes(k.totalBytes)}</td><td safe>{bytes(k.usedBytes)}</td>
                    <td safe>{bytes(Math.max(0, k.totalBytes - k.usedBytes))}</td><td><Meter value={k.totalBytes ? Math.round((k.usedBytes / k.totalBytes) * 100) : null} /></td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
          )}
      </section>
    </DeviceLayout>
  )
}

export function SoftwareTable({ software, search }: { software: Software[]; search?: string }) {
  if (software.length === 0) return search ? <EmptyState title="No software matches" text="Try another search." /> : <EmptyState title="No software reported yet" text="Installed software appears with the agent's first inventory." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>Name</th><th>Version</th><th>Publisher</th><th>Installed</th><th>Source</th></tr></thead>
        <tbody>{software.map((s) => (
          <tr>
            <td><a href={`/software/detail?name=${encodeURIComponent(s.name)}`} safe>{s.name}</a></td>
            <td class="mono small" safe>{s.version ?? '—'}</td><td class="small" safe>{s.publisher ?? '—'}</td>
            <td class="small" safe>{s.installDate ?? '—'}</td><td class="small muted" safe>{s.source ?? '—'}</td>
          </tr>
        ))}</tbody>
      </table>
      <div class="pagination muted small">{software.length} package{software.length === 1 ? '' : 's'}</div>
    </div>
  )
}

export function ChangeList({ changes, now }: { changes: DeviceChange[]; now: number }) {
  if (changes.length === 0) return <EmptyState title="Nothing recorded yet" text="Installs, removals, upgrades, hardware and admin changes appear here as they happen." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>When</th><th>Kind</th><th>What</th></tr></thead>
        <tbody>{changes.map((c) => (
          <tr><td class="nowrap small"><Ago ms={c.at} now={now} /><div class="muted"><Time ms={c.at} /></div></td><td><span class="badge">{c.kind}</span></td><td safe>{c.summary}</td></tr>
        ))}</tbody>
      </table>
    </div>
  )
}

export function SoftwareTab({ page, h, table, history, search }: { page: PageProps; h: DeviceHeader; table: JSX.Element; history: DeviceChange[]; search?: string }) {
  return (
    <DeviceLayout page={page} h={h} tab="software">
      <form class="filters" id="software-filter" method="get" action={`/devices/${h.device.id}/software`} hx-get={`/devices/${h.device.id}/software`} hx-target="#software-table" hx-trigger="input changed delay:300ms from:(#software-filter input)" hx-push-url="true">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={search} placeholder="Name or publisher" /></div>
      </form>
      <section class="card flush" id="software-table">{table}</section>
      <section class="card flush">
        <h2 class="card-title">Version history</h2>
        <ChangeList changes={history} now={h.now} />
      </section>
    </DeviceLayout>
  )
}

export function NetworkTab({ page, h, interfaces }: { page: PageProps; h: DeviceHeader; interfaces: NetworkInterface[] }) {
  return (
    <DeviceLayout page={page} h={h} tab="network">
      <section class="card flush">
        {interfaces.length === 0
          ? <EmptyState title="No network interfaces reported" text="Interfaces appear with the agent's inventory." />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Interface</th><th>Address</th><th>Type</th><th>MAC</th><th></th></tr></thead>
                <tbody>{interfaces.map((n) => (
                  <tr>
                    <td safe>{n.interfaceName}</td><td class="mono" safe>{n.ipAddress ?? '—'}</td><td>{n.ipType ?? '—'}</td>
                    <td class="mono small" safe>{n.macAddress ?? '—'}</td><td>{n.isPrimary ? <span class="badge info">Primary</span> : ''}</td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
          )}
      </section>
      {h.device.publicIp ? <p class="small muted">Public address seen by the server: <span class="mono" safe>{h.device.publicIp}</span></p> : ''}
    </DeviceLayout>
  )
}

export function MetricsTab({ page, h, assets }: { page: PageProps; h: DeviceHeader; assets: string }) {
  return (
    <DeviceLayout page={page} h={h} tab="metrics">
      <div x-data="metricsCharts" data-url={`/api/v1/devices/${h.device.id}/metrics`} data-assets={assets}>
        <div class="row filters" role="group" aria-label="Range">
          {['1h', '24h', '7d', '30d'].map((r) => <button class="btn small" type="button" data-range={r} x-on:click="pick" safe>{r}</button>)}
          <span class="small muted" x-text="caption"></span>
        </div>
        <div class="grid-2">
          <section class="card"><h3>CPU %</h3><div class="chart" data-chart="cpu"></div></section>
          <section class="card"><h3>Memory %</h3><div class="chart" data-chart="ram"></div></section>
          <section class="card"><h3>Fullest disk %</h3><div class="chart" data-chart="disk"></div></section>
          <section class="card"><h3>Network (bytes per sample or period)</h3><div class="chart" data-chart="net"></div></section>
        </div>
      </div>
    </DeviceLayout>
  )
}

export function HistoryTab({ page, h, changes, kind, from, to, olderHref }: { page: PageProps; h: DeviceHeader; changes: DeviceChange[]; kind?: string; from?: string; to?: string; olderHref: string | null }) {
  const kinds = ['software', 'hardware', 'os', 'network', 'service', 'status', 'admin', 'agent']
  const base = `/devices/${h.device.id}/history`
  return (
    <DeviceLayout page={page} h={h} tab="history">
      <HistoryNav id={h.device.id} current="changes" />
      <form class="filters" id="history-filter" method="get" action={base}>
        <div class="field"><label for="f-kind">Kind</label>
          <select id="f-kind" name="kind">
            <option value="">All</option>
            {kinds.map((k) => <option value={k} selected={kind === k} safe>{k}</option>)}
          </select>
        </div>
        <div class="field"><label for="f-from">From</label><input id="f-from" type="date" name="from" value={from} /></div>
        <div class="field"><label for="f-to">To</label><input id="f-to" type="date" name="to" value={to} /></div>
        <button class="btn" type="submit">Filter</button>
      </form>
      <section class="card flush">
        <ChangeList changes={changes} now={h.now} />
        {olderHref ? <div class="pagination"><span></span><a class="btn small" href={olderHref}>Older</a></div> : ''}
      </section>
    </DeviceLayout>
  )
}

/** HistoryNav switches the History tab between the change list and inventory time-travel. */
export function HistoryNav({ id, current }: { id: string; current: 'changes' | 'inventory' }) {
  return (
    <nav class="row filters" aria-label="History view">
      <a class="btn small" href={`/devices/${id}/history`} aria-current={current === 'changes' ? 'true' : undefined}>Changes</a>
      <a class="btn small" href={`/devices/${id}/inventory`} aria-current={current === 'inventory' ? 'true' : undefined}>Inventory as of a date</a>
    </nav>
  )
}
