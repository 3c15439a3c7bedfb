// The home page: the fleet at a glance. Every figure is a link into the device list.
import type { DashboardData } from '../../src/devices/dashboard'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Layout } from '../layout'
import { Ago, DeviceStatus, deviceLabel, Meter, osLabels, statusLabels } from './parts'

type Top = DashboardData['top']['cpu']

function TopList({ title, rows, sort }: { title: string; rows: Top; sort: string }) {
  return (
    <section class="card">
      <h3 safe>{title}</h3>
      {rows.length === 0
        ? <p class="small muted">No online device has reported this yet.</p>
        : (
          <div class="bars">
            {rows.map((d) => (
              <>
                <a href={`/devices/${d.id}/metrics`} safe>{deviceLabel(d)}</a>
                <Meter value={d.value} />
                <span></span>
              </>
            ))}
          </div>
        )}
      <p class="small"><a href={`/devices?sort=${sort}&order=desc`} safe>{`All by ${title.toLowerCase()}`}</a></p>
    </section>
  )
}

export function DashboardPage({ page, data, orgName, now, canEnroll }: { page: PageProps; data: DashboardData; orgName: string | null; now: number; canEnroll: boolean }) {
  const orgQuery = page.activeOrgId ? `orgId=${page.activeOrgId}&` : ''
  return (
    <Layout page={page} title="Dashboard">
      <PageHeader title="Dashboard" subtitle={orgName ? `Devices of ${orgName}` : 'All your devices'}>
        {canEnroll ? <a class="btn primary" href="/devices/add">Add device</a> : ''}
      </PageHeader>
      {data.total === 0
        ? (
          <section class="card">
            <EmptyState title="No devices yet" text="Install the Breeze agent on a computer: it appears here within seconds, with its hardware, software and live metrics." action={canEnroll ? { href: '/devices/add', label: 'Add device' } : undefined} />
          </section>
        )
        : (
          <div class="stack" hx-get="/" hx-trigger="live:device.status from:body throttle:10s, live:device.enrolled from:body throttle:10s" hx-select="#dashboard" hx-target="#dashboard" hx-swap="outerHTML" id="dashboard">
            <div class="grid-4">
              <a class="card stat" href={`/devices?${orgQuery}`}><span class="value">{data.total}</span><span class="label">Devices</span></a>
              {(['online', 'offline', 'maintenance'] as const).map((s) => (
                <a class="card stat" href={`/devices?${orgQuery}status=${s}`}><span class="value">{data.byStatus[s] ?? 0}</span><span class="label" safe>{statusLabels[s]}</span></a>
              ))}
            </div>
            <div class="grid-2">
              <section class="card">
                <h3>Operating systems</h3>
                <div class="bars">
                  {Object.entries(data.byOs).sort((a, b) => b[1] - a[1]).map(([os, n]) => (
                    <>
                      <a href={`/devices?${orgQuery}os=${os}`} safe>{osLabels[os] ?? os}</a>
                      <meter min="0" max={String(data.total)} value={String(n)}></meter>
                      <span class="small">{n}</span>
                    </>
                  ))}
                </div>
              </section>
              <section class="card">
                <h3>Offline</h3>
                {data.offline.length === 0
                  ? <p class="small muted">Every device is online.</p>
                  : (
                    <div class="table-wrap">
                      <table>
                        <tbody>{data.offline.map((d) => (
                          <tr><td><a href={`/devices/${d.id}`} safe>{deviceLabel(d)}</a><div class="small muted" safe>{d.siteName}</div></td><td><DeviceStatus id={d.id} status={d.status} /></td><td class="small nowrap">last seen <Ago ms={d.lastSeenAt} now={now} id={d.id} /></td></tr>
                        ))}</tbody>
                      </table>
                    </div>
                  )}
                {(data.byStatus.offline ?? 0) > data.offline.length ? <p class="small"><a href={`/devices?${orgQuery}status=offline`}>All {data.byStatus.offline} offline devices</a></p> : ''}
              </section>
            </div>
            <div class="grid-4">
              <TopList title="CPU" rows={data.top.cpu} sort="cpu" />
              <TopList title="Memory" rows={data.top.ram} sort="ram" />
              <TopList title="Disk" rows={data.top.disk} sort="disk" />
            </div>
            <section class="card">
              <h3>Recently enrolled</h3>
              <div class="table-wrap">
                <table>
                  <tbody>{data.recent.map((d) => (
                    <tr>
                      <td><a href={`/devices/${d.id}`} safe>{deviceLabel(d)}</a></td><td safe>{`${osLabels[d.osType] ?? d.osType} · ${d.osVersion}`}</td>
                      <td class="small" safe>{d.siteName}</td><td><DeviceStatus id={d.id} status={d.status} /></td><td class="small nowrap">enrolled <Ago ms={d.enrolledAt} now={now} /></td>
                    </tr>
                  ))}</tbody>
                </table>
              </div>
            </section>
          </div>
        )}
    </Layout>
  )
}
