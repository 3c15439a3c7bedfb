// Patch management pages: the fleet's updates (filters, counts per state, bulk approve/decline,
// install), a device's Patches tab (its updates and last scan) and a patch job's live progress.
import type { DevicePatchView, FleetPatchRow, DevicePatchStatus } from '../../src/patching/repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination, StatusBadge, Time } from '../components/common'
import { Csrf, PostButton } from '../components/form'
import { Layout } from '../layout'
import { DeviceLayout, type DeviceHeader } from '../devices/detail'
import { deviceLabel } from '../devices/parts'

export const stateLabels: Record<string, string> = { available: 'Available', approved: 'Approved', installing: 'Installing', installed: 'Installed', failed: 'Failed', superseded: 'Superseded' }
const states = ['available', 'approved', 'installing', 'installed', 'failed', 'superseded'] as const
const severityKinds: Record<string, string> = { critical: 'bad', important: 'warn', moderate: 'info', low: '', unknown: '' }
const sourceLabels: Record<string, string> = { apt: 'apt', dnf: 'dnf', windows_update: 'Windows Update', softwareupdate: 'macOS Software Update', winget: 'winget', homebrew: 'Homebrew', chocolatey: 'Chocolatey' }
const stateKinds: Record<string, string> = { available: 'info', approved: 'ok', installing: 'info', installed: 'ok', failed: 'bad', superseded: '' }

function Severity({ s }: { s: string }) {
  return <span class={`badge ${severityKinds[s] ?? ''}`} safe>{s}</span>
}
function State({ s }: { s: string }) {
  return <span class={`badge ${stateKinds[s] ?? ''}`} data-state={s} safe>{stateLabels[s] ?? s}</span>
}
const bytes = (n: number | null) => (n === null ? '—' : n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`)

export type FleetFilters = { state?: string; severity?: string; source?: string; orgId?: string; search?: string; offset?: number }

function FilterSelect({ name, label, value, options }: { name: string; label: string; value?: string; options: [string, string][] }) {
  return (
    <div class="field">
      <label for={`f-${name}`} safe>{label}</label>
      <select id={`f-${name}`} name={name}>{[['', 'Any'] as [string, string], ...options].map(([v, l]) => <option value={v} selected={(value ?? '') === v} safe>{l}</option>)}</select>
    </div>
  )
}

/** FleetPatchTable: the updates found on the fleet, one row each, selectable for bulk decisions. */
export function FleetPatchTable({ rows, total, limit, filters, counts, selectable }: { rows: FleetPatchRow[]; total: number; limit: number; filters: FleetFilters; counts: Partial<Record<string, number>>; selectable: boolean }) {
  const q = (o: number) => `/patches?${new URLSearchParams(Object.entries({ ...filters, offset: String(o) }).filter(([, v]) => v !== undefined && v !== '') as [string, string][])}`
  return (
    <div id="patch-table">
      <div class="stats small" id="patch-counts">{states.map((s) => <span class="stat"><State s={s} /> <strong safe>{String(counts[s] ?? 0)}</strong>{' '}</span>)}</div>
      {rows.length === 0
        ? <EmptyState title="No updates found" text="Updates appear here once devices have been scanned (a device's Patches tab has a Scan now button)." />
        : (
          <>
            <div class="table-wrap">
              <table>
                <thead><tr>{selectable ? <th><span class="sr-only">Select</span></th> : ''}<th>Update</th><th>Source</th><th>Severity</th><th>Class</th><th>Devices</th><th>By state</th><th>Released</th></tr></thead>
                <tbody>{rows.map((r) => (
                  <tr data-patch={r.externalId}>
                    {selectable ? <td><input type="checkbox" name="patchIds" value={r.id} form="patch-decide" aria-label={`Select ${r.externalId} ${r.version}`} /></td> : ''}
                    <td><strong safe>{r.externalId}</strong> <span class="small muted" safe>{r.version}</span><div class="small muted" safe>{r.title}</div></td>
                    <td class="small" safe>{sourceLabels[r.source] ?? r.source}</td>
                    <td><Severity s={r.severity} /></td>
                    <td class="small" safe>{r.classification}</td>
                    <td safe>{String(r.devices)}</td>
                    <td class="small">{states.filter((s) => r.counts[s]).map((s) => <span><State s={s} /> <span safe>{String(r.counts[s])}</span> </span>)}</td>
                    <td class="small"><Time ms={r.releasedAt} /></td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
            <Pagination page={Math.floor((filters.offset ?? 0) / limit) + 1} perPage={limit} total={total} href={(p) => q((p - 1) * limit)} />
          </>
        )}
    </div>
  )
}

export type ComplianceSummary = { devicesScanned: number; devicesPatched: number; percentPatched: number | null; missingCritical: number; devicesWithOverdueCritical: number; overdueDays: number; rebootPending: number }

function ComplianceCard({ c }: { c: ComplianceSummary }) {
  return (
    <section class="card" id="patch-compliance">
      <p>
        <strong safe>{c.percentPatched === null ? '—' : `${c.percentPatched}%`}</strong> of scanned devices fully patched
        <span class="small muted" safe>{` (${c.devicesPatched} of ${c.devicesScanned})`}</span>
        {' · '}<span class={c.missingCritical ? 'badge bad' : 'badge ok'} safe>{`${c.missingCritical} critical missing`}</span>
        {' · '}<span class={c.devicesWithOverdueCritical ? 'badge warn' : 'badge'} safe>{`${c.devicesWithOverdueCritical} devices with critical/security updates older than ${c.overdueDays} days`}</span>
        {' · '}<span class="badge" safe>{`${c.rebootPending} waiting for a reboot`}</span>
      </p>
    </section>
  )
}

export function FleetPatchesPage({ page, table, compliance, filters, orgs, approveOrgs, installOrgs }: {
  page: PageProps; table: JSX.Element; compliance: ComplianceSummary; filters: FleetFilters; orgs: { id: string; name: string }[]; approveOrgs: { id: string; name: string }[]; installOrgs: { id: string; name: string }[]
}) {
  return (
    <Layout page={page} title="Patches">
      <PageHeader title="Patches" subtitle="Operating-system and third-party updates your devices are missing: approve them per organization, then install them with a patch job." />
      <ComplianceCard c={compliance} />
      <form id="patch-filters" class="filters" method="get" action="/patches" hx-get="/patches" hx-target="#patch-table" hx-select="#patch-table" hx-swap="outerHTML" hx-trigger="input delay:300ms, change" hx-push-url="true">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={filters.search} placeholder="openssl, KB5036893…" /></div>
        <FilterSelect name="state" label="State" value={filters.state} options={states.map((s) => [s, stateLabels[s]])} />
        <FilterSelect name="severity" label="Severity" value={filters.severity} options={['critical', 'important', 'moderate', 'low', 'unknown'].map((s) => [s, s])} />
        <FilterSelect name="source" label="Source" value={filters.source} options={Object.entries(sourceLabels)} />
        {orgs.length > 1 ? <FilterSelect name="orgId" label="Organization" value={filters.orgId} options={orgs.map((o) => [o.id, o.name])} /> : ''}
      </form>
      {approveOrgs.length
        ? (
          <form id="patch-decide" class="filters" method="post" action="/patches/decide">
            <Csrf token={page.csrf} />
            <div class="field">
              <label for="d-org">For organization</label>
              <select id="d-org" name="orgId">{approveOrgs.map((o) => <option value={o.id} selected={o.id === (filters.orgId ?? page.activeOrgId)} safe>{o.name}</option>)}</select>
            </div>
            <div class="field"><label for="d-reason">Reason (optional)</label><input id="d-reason" name="reason" maxlength="1000" /></div>
            <button class="btn primary" type="submit" name="decision" value="approve">Approve selected</button>
            <button class="btn" type="submit" name="decision" value="decline">Decline selected</button>
          </form>
        )
        : ''}
      {installOrgs.length
        ? (
          <form class="filters" method="post" action="/patch-jobs">
            <Csrf token={page.csrf} />
            <div class="field">
              <label for="j-org">Install approved updates on every device of</label>
              <select id="j-org" name="orgId">{installOrgs.map((o) => <option value={o.id} selected={o.id === (filters.orgId ?? page.activeOrgId)} safe>{o.name}</option>)}</select>
            </div>
            <button class="btn" type="submit">Install approved now</button>
          </form>
        )
        : ''}
      <section class="card flush" hx-get={`/patches?${new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]))}`} hx-select="#patch-table" hx-target="#patch-table" hx-swap="outerHTML" hx-trigger="live:patches.changed from:body throttle:2s">{table}</section>
    </Layout>
  )
}

/** DevicePatchesTab: a device's updates, its last scan, and the actions the caller may take. */
export function DevicePatchesTab({ page, h, patches, scan, canScan, canApprove, canInstall }: {
  page: PageProps; h: DeviceHeader; patches: DevicePatchView[]; scan: DevicePatchStatus | null; canScan: boolean; canApprove: boolean; canInstall: boolean
}) {
  const d = h.device
  const open = patches.filter((p) => p.state !== 'installed' && p.state !== 'superseded')
  const done = patches.filter((p) => p.state === 'installed' || p.state === 'superseded')
  const approvedCount = patches.filter((p) => p.state === 'approved' || (p.state === 'failed' && p.approval === 'approved')).length
  return (
    <DeviceLayout page={page} h={h} tab="patches">
      <section class="card" id="device-patches" hx-get={`/devices/${d.id}/patches`} hx-select="#device-patches" hx-target="#device-patches" hx-swap="outerHTML" hx-trigger="live:patches.changed from:body throttle:1s">
        <div class="row-between">
          <div>
            <h2>Updates</h2>
            <p class="small muted" id="scan-status">
              {scan === null ? 'Never scanned.' : scan.scanStatus === 'pending' ? 'Scan in progress (the agent answers when it is online)…'
                : <>Last scan <Time ms={scan.lastScanAt} />: <StatusBadge status={scan.scanStatus === 'ok' ? 'completed' : scan.scanStatus} />{scan.providers.length ? <> via <span safe>{scan.providers.join(', ')}</span></> : ''}</>}
              {scan?.rebootRequired ? <> · <span class="badge warn">reboot required</span></> : ''}
            </p>
            {scan?.scanError ? <div class="callout warn" safe>{scan.scanError}</div> : ''}
          </div>
          <div class="actions">
            {canScan && d.status !== 'decommissioned' ? <PostButton action={`/devices/${d.id}/patches/scan`} csrf={page.csrf} label="Scan now" /> : ''}
            {canInstall && approvedCount > 0 ? <PostButton action="/patch-jobs" csrf={page.csrf} label={`Install ${approvedCount} approved`} fields={{ deviceIds: d.id }} /> : ''}
          </div>
        </div>
        {open.length === 0 && done.length === 0
          ? <EmptyState title="No updates known" text={scan ? 'The last scan found nothing to install.' : 'Scan the device to see what it is missing.'} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr>{canApprove ? <th><span class="sr-only">Select</span></th> : ''}<th>Update</th><th>Installed</th><th>Severity</th><th>Class</th><th>State</th><th>Size</th><th>Note</th></tr></thead>
                <tbody>{[...open, ...done].map((p) => (
                  <tr data-patch={p.patch.externalId}>
                    {canApprove ? <td><input type="checkbox" name="patchIds" value={p.patchId} form="device-decide" aria-label={`Select ${p.patch.externalId}`} /></td> : ''}
                    <td><strong safe>{p.patch.externalId}</strong> <span class="small muted" safe>{p.patch.version}</span><div class="small muted" safe>{p.patch.title}</div></td>
                    <td class="small" safe>{p.installedVersion ?? '—'}</td>
                    <td><Severity s={p.patch.severity} /></td>
                    <td class="small" safe>{p.patch.classification}</td>
                    <td><State s={p.state} />{p.approval === 'declined' ? <> <span class="badge">declined</span></> : ''}{p.patch.rebootRequired ? <> <span class="badge warn">reboot</span></> : ''}</td>
                    <td class="small" safe>{bytes(p.patch.sizeBytes)}</td>
                    <td class="small">{p.lastError ? <span class="muted" safe>{p.lastError}</span> : p.installedAt ? <Time ms={p.installedAt} /> : ''}{p.lastJobId ? <> · <a href={`/patch-jobs/${p.lastJobId}`}>job</a></> : ''}</td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
          )}
        {canApprove && open.length > 0
          ? (
            <form id="device-decide" class="filters" method="post" action="/patches/decide">
              <Csrf token={page.csrf} />
              <input type="hidden" name="orgId" value={d.orgId} />
              <input type="hidden" name="back" value={`/devices/${d.id}/patches`} />
              <div class="field"><label for="dd-reason">Reason (optional)</label><input id="dd-reason" name="reason" maxlength="1000" /></div>
              <button class="btn primary" type="submit" name="decision" value="approve">Approve selected</button>
              <button class="btn" type="submit" name="decision" value="decline">Decline selected</button>
            </form>
          )
          : ''}
      </section>
    </DeviceLayout>
  )
}

export type JobView = {
  id: string; orgId: string; status: string; createdAt: number; completedAt: number | null; deviceCount: number; counts: Partial<Record<string, number>>
  devices: { id: string; deviceId: string; hostname: string; displayName: string | null; status: string; output: string; error: string | null; rebootRequired: boolean; startedAt: number | null; completedAt: number | null; patchIds: string[] }[]
  patches: { id: string; externalId: string; version: string; severity: string }[]
}

/** PatchJobPage: a job's devices with status and streamed output; refreshes itself while it runs. */
export function PatchJobPage({ page, job }: { page: PageProps; job: JobView }) {
  const running = job.status === 'running'
  const names = new Map(job.patches.map((p) => [p.id, `${p.externalId} ${p.version}`]))
  return (
    <Layout page={page} title="Patch job">
      <PageHeader title="Patch job" subtitle={`${job.deviceCount} device${job.deviceCount === 1 ? '' : 's'} · started ${new Date(job.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`}>
        <a class="btn" href="/patches">All patches</a>
      </PageHeader>
      <section id="job-body" hx-get={`/patch-jobs/${job.id}`} hx-select="#job-body" hx-target="#job-body" hx-swap="outerHTML" hx-trigger={running ? 'live:patches.changed from:body throttle:1s, live:patches.output from:body throttle:1s' : 'none'}>
        <div class="card">
          <p>Status: <StatusBadge status={job.status} /> <span id="job-status" data-status={job.status} class="sr-only" safe>{job.status}</span>{job.completedAt ? <> · finished <Time ms={job.completedAt} /></> : ''}</p>
          <p class="small">{Object.entries(job.counts).map(([s, n]) => <span><StatusBadge status={s} /> <span safe>{String(n)}</span> </span>)}</p>
        </div>
        {job.devices.map((d) => (
          <div class="card" data-job-device={d.deviceId}>
            <div class="row-between">
              <h2><a href={`/devices/${d.deviceId}/patches`} safe>{deviceLabel(d)}</a></h2>
              <span><StatusBadge status={d.status} />{d.rebootRequired ? <> <span class="badge warn">reboot required</span></> : ''}</span>
            </div>
            <p class="small muted" safe>{d.patchIds.map((id) => names.get(id) ?? id).join(', ') || 'nothing to install'}</p>
            {d.error ? <div class="callout warn" safe>{d.error}</div> : ''}
            {d.output ? <pre class="output" safe>{d.output}</pre> : ''}
          </div>
        ))}
      </section>
    </Layout>
  )
}
