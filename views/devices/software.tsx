// Fleet-wide software inventory: software across all visible devices, and one package's
// versions and the devices that have it.
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination } from '../components/common'
import { Layout } from '../layout'
import { DeviceStatus, osLabels } from './parts'

type FleetRow = { name: string; devices: number; versions: number; publisher: string | null }

export function SoftwareTable({ rows, total, page, perPage, search }: { rows: FleetRow[]; total: number; page: number; perPage: number; search?: string }) {
  if (rows.length === 0) {
    return search
      ? <EmptyState title="No software matches" text="Try another name." />
      : <EmptyState title="No software inventory yet" text="Agents report installed software when they enroll and every six hours." action={{ href: '/devices', label: 'Devices' }} />
  }
  const href = (p: number) => `/software?${new URLSearchParams({ ...(search ? { search } : {}), page: String(p) })}`
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead><tr><th>Software</th><th>Publisher</th><th>Devices</th><th>Versions</th></tr></thead>
          <tbody>{rows.map((r) => (
            <tr>
              <td><a href={`/software/detail?name=${encodeURIComponent(r.name)}`} safe>{r.name}</a></td>
              <td class="small" safe>{r.publisher ?? '—'}</td>
              <td>{r.devices}</td>
              <td>{r.versions}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      <Pagination page={page} perPage={perPage} total={total} href={href} />
    </>
  )
}

export function FleetSoftwarePage({ page, table, search }: { page: PageProps; table: JSX.Element; search?: string }) {
  return (
    <Layout page={page} title="Software">
      <PageHeader title="Software" subtitle="Everything installed across your devices: find which devices have a package, and at which versions." />
      <form class="filters" id="fleet-software-filter" method="get" action="/software" hx-get="/software" hx-target="#software-table" hx-trigger="input changed delay:300ms from:(#fleet-software-filter input)" hx-push-url="true" hx-boost="false">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={search} placeholder="Chrome, OpenSSL, Office…" /></div>
        <button type="submit" class="btn" formaction="/software/export.csv" id="software-export">Export CSV</button>
      </form>
      <section class="card flush" id="software-table">{table}</section>
    </Layout>
  )
}

type VersionRow = { version: string | null; devices: number }
type DeviceRow = { id: string; hostname: string; displayName: string | null; osType: string; status: string; siteName: string; version: string | null; installDate: string | null }

export function SoftwareDetailPage({ page, name, versions, devices, total, pageNo, perPage, version }: {
  page: PageProps; name: string; versions: VersionRow[]; devices: DeviceRow[]; total: number; pageNo: number; perPage: number; version?: string
}) {
  const link = (v?: string | null, p?: number) => `/software/detail?${new URLSearchParams({ name, ...(v !== undefined ? { version: v ?? '' } : {}), ...(p ? { page: String(p) } : {}) })}`
  const all = versions.reduce((n, v) => n + v.devices, 0)
  return (
    <Layout page={page} title={name}>
      <PageHeader title={name} subtitle={`Installed on ${all} device${all === 1 ? '' : 's'}, ${versions.length} version${versions.length === 1 ? '' : 's'}`}>
        <a class="btn" href={`/software/detail/export.csv?${new URLSearchParams({ name, ...(version !== undefined ? { version } : {}) })}`} hx-boost="false" download="software-devices.csv">Export CSV</a>
        <a class="btn" href="/software">All software</a>
      </PageHeader>
      {versions.length === 0
        ? <section class="card"><EmptyState title="Not installed on any of your devices" text="No visible device reports this software." /></section>
        : (
          <div class="stack">
            <section class="card">
              <h2>Versions</h2>
              <div class="bars">
                {versions.map((v) => (
                  <>
                    <a href={link(v.version)} class={version !== undefined && (version || null) === v.version ? 'mono sorted' : 'mono'} safe>{v.version ?? '(no version)'}</a>
                    <meter min="0" max={String(all)} value={String(v.devices)}></meter>
                    <span class="small">{v.devices} device{v.devices === 1 ? '' : 's'}</span>
                  </>
                ))}
              </div>
              {version !== undefined ? <p class="small"><a href={link()}>Show every version</a></p> : ''}
            </section>
            <section class="card flush">
              <h2 class="card-title">Devices{version !== undefined ? <span class="muted" safe>{` with version ${version || '(none)'}`}</span> : ''}</h2>
              <div class="table-wrap">
                <table>
                  <thead><tr><th>Device</th><th>Status</th><th>OS</th><th>Site</th><th>Version</th><th>Installed</th></tr></thead>
                  <tbody>{devices.map((d) => (
                    <tr>
                      <td><a href={`/devices/${d.id}/software`} safe>{d.displayName || d.hostname}</a></td>
                      <td><DeviceStatus id={d.id} status={d.status} /></td>
                      <td safe>{osLabels[d.osType] ?? d.osType}</td>
                      <td class="small" safe>{d.siteName}</td>
                      <td class="mono small" safe>{d.version ?? '—'}</td>
                      <td class="small" safe>{d.installDate ?? '—'}</td>
                    </tr>
                  ))}</tbody>
                </table>
              </div>
              <Pagination page={pageNo} perPage={perPage} total={total} href={(p) => link(version, p)} />
            </section>
          </div>
        )}
    </Layout>
  )
}
