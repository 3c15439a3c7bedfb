// The device list: filters, sortable table with a columns chooser, bulk selection and actions,
// CSV export, live status updates (static/js/devices.js).
import type { DeviceColumn } from '../../src/devices/columns'
import type { Density } from '../../src/devices/model'
import type { DeviceListRow } from '../../src/devices/repo'
import type { DevicePage } from '../../src/devices/service'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination } from '../components/common'
import { Csrf } from '../components/form'
import { Layout } from '../layout'
import { Ago, DeviceStatus, MaintenanceDurationOptions, Meter, osLabels, statusLabels, Tags, deviceLabel } from './parts'

export type DeviceListFilters = { orgId?: string; siteId?: string; groupId?: string; os?: string; status?: string; tag?: string; search?: string; q?: string; sort?: string; order?: string }
type Option = { id: string; name: string }

/** listHref keeps the current filters and changes some of them. */
export function listHref(q: DeviceListFilters, change: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries({ ...q, ...change })) if (v !== undefined && v !== '') params.set(k, String(v))
  const text = params.toString()
  return text ? `/devices?${text}` : '/devices'
}

function Cell({ col, d, now }: { col: string; d: DeviceListRow; now: number }) {
  switch (col) {
    case 'name': return <td><a href={`/devices/${d.id}`} safe>{deviceLabel(d)}</a>{d.displayName ? <div class="small muted" safe>{d.hostname}</div> : ''}</td>
    case 'hostname': return <td class="mono small" safe>{d.hostname}</td>
    case 'status': return <td><DeviceStatus id={d.id} status={d.status} /></td>
    case 'os': return <td><span safe>{osLabels[d.osType] ?? d.osType}</span><div class="small muted" safe>{d.osVersion}</div></td>
    case 'org': return <td class="small" safe>{d.orgName}</td>
    case 'site': return <td class="small" safe>{d.siteName}</td>
    case 'lastSeen': return <td class="small nowrap"><Ago ms={d.lastSeenAt} now={now} id={d.id} /></td>
    case 'lastUser': return <td class="small" safe>{d.lastUser ?? '—'}</td>
    case 'publicIp': return <td class="mono small" safe>{d.publicIp ?? '—'}</td>
    case 'cpu': return <td><Meter value={d.cpuPercent} /></td>
    case 'ram': return <td><Meter value={d.ramPercent} /></td>
    case 'disk': return <td><Meter value={d.diskPercent} /></td>
    case 'tags': return <td><Tags tags={d.tags} link /></td>
    case 'agent': return <td class="mono small" safe>{d.agentVersion}</td>
    case 'enrolled': return <td class="small nowrap"><Ago ms={d.enrolledAt} now={now} /></td>
    default: return <td></td>
  }
}

export function DeviceTable({ result, query, columns, allColumns, selectable, now, anyDevices, density = 'comfortable', queryError }: {
  result: DevicePage; query: DeviceListFilters; columns: string[]; allColumns: DeviceColumn[]; selectable: boolean; now: number; anyDevices: boolean; density?: Density
  /** Why the fleet query (q) could not be run. */
  queryError?: string
}) {
  if (queryError) return <div class="callout error" role="alert" id="query-error"><strong>The query has an error</strong> <span safe>{queryError}</span> <a href="/groups/rules">Query language</a></div>
  if (result.rows.length === 0) {
    return anyDevices
      ? <EmptyState title="No devices match" text="Try another search or clear the filters." action={{ href: '/devices', label: 'Clear filters' }} />
      : <EmptyState title="No devices yet" text="Install the Breeze agent on a computer to see it here within seconds." action={{ href: '/devices/add', label: 'Add device' }} />
  }
  const shown = allColumns.filter((c) => columns.includes(c.key))
  const sortLink = (c: DeviceColumn) => {
    if (!c.sort) return <span safe>{c.label}</span>
    const active = result.sort === c.sort
    const order = active && result.order === 'asc' ? 'desc' : active ? 'asc' : undefined
    return (
      <a href={listHref(query, { sort: c.sort, order, page: undefined })} hx-get={listHref(query, { sort: c.sort, order, page: undefined })} hx-target="#device-table" hx-push-url="true"
        aria-sort={active ? (result.order === 'asc' ? 'ascending' : 'descending') : undefined} class={active ? 'sorted' : undefined}>
        <span safe>{c.label}</span>{active ? (result.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    )
  }
  return (
    <>
      <div class="table-wrap">
        <table class={density === 'compact' ? 'devices compact' : 'devices'} data-total={String(result.total)}>
          <thead>
            <tr>
              {selectable ? <th class="select"><input type="checkbox" aria-label="Select all on this page" data-select-all="" /></th> : ''}
              {shown.map((c) => <th>{sortLink(c)}</th>)}
            </tr>
          </thead>
          <tbody>
            {result.rows.map((d) => (
              <tr data-device-id={d.id}>
                {selectable ? <td class="select"><input type="checkbox" name="deviceIds" value={d.id} form="bulk-form" aria-label={`Select ${deviceLabel(d)}`} /></td> : ''}
                {shown.map((c) => <Cell col={c.key} d={d} now={now} />)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination page={result.page} perPage={result.perPage} total={result.total} href={(p) => listHref(query, { page: p })} />
      {/* The filters this table shows, for "select all matching" in the bulk form. */}
      {Object.entries(query).filter(([k, v]) => v && k !== 'sort' && k !== 'order').map(([k, v]) => <input type="hidden" form="bulk-form" name={`filter.${k}`} value={String(v)} />)}
      {/* …and for "save this view" (sort and order included). */}
      {Object.entries(query).filter(([, v]) => v).map(([k, v]) => <input type="hidden" form="save-view-form" name={`filter.${k}`} value={String(v)} />)}
    </>
  )
}

export type BulkOptions = { sites: (Option & { orgName: string })[]; groups: (Option & { type: string })[]; canWrite: boolean; canDelete: boolean; canPower?: boolean; canCommand?: boolean }

function BulkBar({ page, bulk }: { page: PageProps; bulk: BulkOptions }) {
  return (
    // note: x-show sits on a wrapper without an id; htmx copies the attributes of id'd elements
    // across swaps, and copying Alpine's inline style would break the CSP.
    <div x-show="count > 0 || all" x-cloak>
      <form id="bulk-form" class="bulk-bar" method="post" action="/devices/bulk">
        <Csrf token={page.csrf} />
        <span class="small"><strong x-text="all ? total : count"></strong> selected</span>
        <label class="check small" x-show="count > 0 && total > count"><input type="checkbox" name="allMatching" value="true" x-model="all" /> <span>Select all <span x-text="total"></span> matching devices</span></label>
        <select name="action" aria-label="Bulk action" x-model="action" required>
          <option value="">Choose an action…</option>
          {bulk.canWrite ? <option value="tag">Add tags</option> : ''}
          {bulk.canWrite ? <option value="untag">Remove tags</option> : ''}
          {bulk.canWrite && bulk.sites.length > 1 ? <option value="move">Move to site</option> : ''}
          {bulk.canWrite && bulk.groups.some((g) => g.type === 'static') ? <option value="addToGroup">Add to group</option> : ''}
          {bulk.canWrite && bulk.groups.some((g) => g.type === 'static') ? <option value="removeFromGroup">Remove from group</option> : ''}
          {bulk.canWrite ? <option value="maintenance">Maintenance</option> : ''}
          {bulk.canWrite ? <option value="endMaintenance">End maintenance</option> : ''}
          {bulk.canDelete ? <option value="decommission">Decommission</option> : ''}
          {bulk.canWrite ? <option value="power:checkin">Check in now</option> : ''}
          {bulk.canPower ? <option value="power:reboot">Reboot</option> : ''}
          {bulk.canPower ? <option value="power:reboot_if_pending">Reboot if pending</option> : ''}
          {bulk.canPower ? <option value="power:shutdown">Shut down</option> : ''}
          {bulk.canPower ? <option value="power:wake">Wake (wake-on-LAN)</option> : ''}
        </select>
        <input type="text" name="message" placeholder="Message to signed-in users" maxlength="500" aria-label="Message to signed-in users" x-show="action === 'power:reboot' || action === 'power:reboot_if_pending' || action === 'power:shutdown'" />
        <input type="number" name="confirmCount" min="0" placeholder="Confirm: number of devices" aria-label="Number of devices (to confirm more than 50)" x-show="action.startsWith('power:')" />
        <input type="text" name="tags" placeholder="tag1, tag2" aria-label="Tags" x-show="action === 'tag' || action === 'untag'" />
        <select name="siteId" aria-label="Site" x-show="action === 'move'">
          {bulk.sites.map((s) => <option value={s.id} safe>{`${s.orgName} · ${s.name}`}</option>)}
        </select>
        <select name="groupId" aria-label="Group" x-show="action === 'addToGroup' || action === 'removeFromGroup'">
          {bulk.groups.filter((g) => g.type === 'static').map((g) => <option value={g.id} safe>{g.name}</option>)}
        </select>
        <select name="durationMinutes" aria-label="Maintenance duration" x-show="action === 'maintenance'">
          <MaintenanceDurationOptions />
        </select>
        <input type="text" name="reason" placeholder="Reason (optional)" maxlength="500" aria-label="Maintenance reason" x-show="action === 'maintenance'" />
        <button class="btn primary small" type="submit" x-bind:disabled="!action">Apply</button>
        {bulk.canCommand ? <button class="btn small" type="submit" formaction="/commands" formnovalidate x-show="!all">Run command…</button> : ''}
      </form>
    </div>
  )
}

export type ViewOption = { id: string; name: string; current: boolean }

/** SavedViews: the user's saved views (open one, delete one) and "save what I see now". */
function SavedViews({ page, views }: { page: PageProps; views: ViewOption[] }) {
  const current = views.find((v) => v.current)
  return (
    <details class="dropdown saved-views">
      <summary class="btn">{current ? <span safe>{`View: ${current.name}`}</span> : 'Views'}</summary>
      <div class="dropdown-menu">
        {views.length
          ? (
            <ul class="plain view-list">
              {views.map((v) => (
                <li class="row">
                  <a class="grow" href={`/devices?view=${v.id}`} aria-current={v.current ? 'true' : undefined} safe>{v.name}</a>
                  <form method="post" action={`/devices/views/${v.id}/delete`}>
                    <Csrf token={page.csrf} />
                    <button class="btn small link" type="submit" aria-label={`Delete view ${v.name}`}>Delete</button>
                  </form>
                </li>
              ))}
            </ul>
          )
          : <p class="small muted">No saved views yet: set the filters, columns and density, then save them here.</p>}
        <hr />
        <form id="save-view-form" method="post" action="/devices/views" class="stack-sm">
          <Csrf token={page.csrf} />
          <label for="f-view-name">Save this view as</label>
          <input id="f-view-name" type="text" name="name" maxlength="80" required placeholder="Offline servers" />
          <button class="btn small primary" type="submit">Save view</button>
        </form>
      </div>
    </details>
  )
}

export function DevicesPage({ page, table, query, result, columns, allColumns, density, orgs, sites, groups, views, bulk }: {
  page: PageProps; table: JSX.Element; query: DeviceListFilters; result: DevicePage; columns: string[]; allColumns: DeviceColumn[]; density: Density
  orgs: Option[]; sites: (Option & { orgName: string })[]; groups: (Option & { type: string })[]; views: ViewOption[]; bulk: BulkOptions
}) {
  const exportHref = `/api/v1/devices/export?${new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter(([, v]) => v)), columns: columns.join(',') })}`
  return (
    <Layout page={page} title="Devices">
      <PageHeader title="Devices" subtitle={`${result.total} device${result.total === 1 ? '' : 's'}${query.search || query.status || query.os || query.tag || query.siteId || query.groupId || query.q ? ' match the filters' : ''}`}>
        <SavedViews page={page} views={views} />
        <details class="dropdown columns-chooser">
          <summary class="btn">Columns</summary>
          <form class="dropdown-menu" method="post" action="/devices/columns">
            <Csrf token={page.csrf} />
            <input type="hidden" name="back" value={listHref(query)} />
            <fieldset class="density">
              <legend>Density</legend>
              <label class="check"><input type="radio" name="density" value="comfortable" checked={density === 'comfortable'} /> Comfortable</label>
              <label class="check"><input type="radio" name="density" value="compact" checked={density === 'compact'} /> Compact (one line per device)</label>
            </fieldset>
            {allColumns.map((c) => <label class="check"><input type="checkbox" name="columns" value={c.key} checked={columns.includes(c.key)} disabled={c.key === 'name'} /> <span safe>{c.label}</span></label>)}
            <button class="btn small primary" type="submit">Apply</button>
          </form>
        </details>
        <a class="btn" href={exportHref} hx-boost="false" download="devices.csv">Export CSV</a>
        {page.can.includes('enrollment:write') ? <a class="btn primary" href="/devices/add">Add device</a> : ''}
      </PageHeader>
      <form class={density === 'compact' ? 'filters compact' : 'filters'} id="device-filters" method="get" action="/devices" hx-get="/devices" hx-target="#device-table" hx-trigger="input changed delay:300ms from:(#device-filters input), change from:(#device-filters select)" hx-push-url="true">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={query.search} placeholder="Name, user or IP" /></div>
        {orgs.length > 1
          ? (
            <div class="field"><label for="f-org">Organization</label>
              <select id="f-org" name="orgId"><option value="">All organizations</option>{orgs.map((o) => <option value={o.id} selected={query.orgId === o.id} safe>{o.name}</option>)}</select>
            </div>
          )
          : ''}
        <div class="field"><label for="f-site">Site</label>
          <select id="f-site" name="siteId"><option value="">All sites</option>{sites.map((s) => <option value={s.id} selected={query.siteId === s.id} safe>{orgs.length > 1 ? `${s.orgName} · ${s.name}` : s.name}</option>)}</select>
        </div>
        {groups.length
          ? (
            <div class="field"><label for="f-group">Group</label>
              <select id="f-group" name="groupId"><option value="">All groups</option>{groups.map((g) => <option value={g.id} selected={query.groupId === g.id} safe>{g.name}</option>)}</select>
            </div>
          )
          : ''}
        <div class="field"><label for="f-os">OS</label>
          <select id="f-os" name="os"><option value="">Any OS</option>{Object.entries(osLabels).map(([v, l]) => <option value={v} selected={query.os === v} safe>{l}</option>)}</select>
        </div>
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status" name="status"><option value="">Active (any status)</option>{Object.entries(statusLabels).map(([v, l]) => <option value={v} selected={query.status === v} safe>{l}</option>)}</select>
        </div>
        <div class="field"><label for="f-tag">Tag</label><input id="f-tag" type="text" name="tag" value={query.tag} placeholder="Tag, e.g. servers" /></div>
        <div class="field grow query-field">
          <label for="f-q">Query <a class="small" href="/groups/rules">(language)</a></label>
          <input id="f-q" class="mono" type="text" name="q" value={query.q} maxlength="4000" placeholder='software.name = openssl AND software.version < "3.0.13"' />
        </div>
        {query.q && page.can.includes('devices:write')
          ? <a class="btn small" href={`/groups/new?${new URLSearchParams({ type: 'dynamic', rule: query.q, ...(query.orgId ? { orgId: query.orgId } : {}) })}`}>Make this a group</a>
          : ''}
        {query.sort ? <input type="hidden" name="sort" value={query.sort} /> : ''}
        {query.order ? <input type="hidden" name="order" value={query.order} /> : ''}
        <noscript><button class="btn" type="submit">Filter</button></noscript>
      </form>
      <div class="callout live-notice" id="device-live-notice" hidden>
        Devices were added or changed. <a href={listHref(query)}>Refresh the list</a>
      </div>
      <section x-data="bulkSelect" data-live-events="live:device.status live:device.enrolled live:device.changed">
        {bulk.canWrite || bulk.canDelete || bulk.canPower ? <BulkBar page={page} bulk={bulk} /> : ''}
        <div class="card flush" id="device-table">{table}</div>
      </section>
    </Layout>
  )
}
