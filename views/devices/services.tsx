// The device's Services tab: the services its agent last reported (name, display name, state,
// start type), filtered by text and state; the table swaps on its own (htmx) as the filter changes.
import type { Service } from '../../src/devices/repo'
import type { ServicesFilter } from '../../src/devices/model'
import type { PageProps } from '../../src/web/page'
import { EmptyState } from '../components/common'
import { DeviceLayout, type DeviceHeader } from './detail'
import { Ago } from './parts'

const stateKinds: Record<string, string> = { running: 'ok', failed: 'bad', starting: 'info', stopping: 'warn', paused: 'warn' }

/** ServiceState is a service's state as a badge (running green, failed red, others neutral). */
export function ServiceState({ state }: { state: string }) {
  return <span class={`badge ${stateKinds[state] ?? ''}`} safe>{state}</span>
}

/** ServiceRow is one service; a later column (start/stop) goes here. */
export function ServiceRow({ service }: { service: Service }) {
  return (
    <tr data-service={service.name}>
      <td class="mono small" safe>{service.name}</td>
      <td safe>{service.displayName ?? '—'}</td>
      <td><ServiceState state={service.state} /></td>
      <td class="small" safe>{service.startMode ?? '—'}</td>
    </tr>
  )
}

export function ServicesTable({ services, filtered }: { services: Service[]; filtered: boolean }) {
  if (services.length === 0) {
    return filtered
      ? <EmptyState title="No services match" text="Try another search or state." />
      : <EmptyState title="No services reported yet" text="Services appear with the agent's inventory (systemd units or init scripts, launchd jobs, Windows services)." />
  }
  return (
    <div class="table-wrap">
      <table class="services">
        <thead><tr><th>Name</th><th>Display name</th><th>State</th><th>Start type</th></tr></thead>
        <tbody>{services.map((s) => <ServiceRow service={s} />)}</tbody>
      </table>
      <div class="pagination muted small">{services.length} service{services.length === 1 ? '' : 's'}</div>
    </div>
  )
}

export function ServicesTab({ page, h, table, filter, states }: { page: PageProps; h: DeviceHeader; table: JSX.Element; filter: ServicesFilter; states: { state: string; count: number }[] }) {
  const url = `/devices/${h.device.id}/services`
  const total = states.reduce((n, s) => n + s.count, 0)
  return (
    <DeviceLayout page={page} h={h} tab="services">
      <form class="filters" id="services-filter" method="get" action={url} hx-get={url} hx-target="#services-table" hx-push-url="true"
        hx-trigger="input changed delay:300ms from:(#services-filter input), change from:(#services-filter select)">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={filter.search} placeholder="Name or display name" /></div>
        <div class="field"><label for="f-state">State</label>
          <select id="f-state" name="state">
            <option value="" safe>{`Any (${total})`}</option>
            {states.map((s) => <option value={s.state} selected={filter.state === s.state} safe>{`${s.state} (${s.count})`}</option>)}
          </select>
        </div>
        <noscript><button class="btn" type="submit">Filter</button></noscript>
        {h.device.lastInventoryAt ? <p class="small muted grow">As the agent reported them <Ago ms={h.device.lastInventoryAt} now={h.now} />.</p> : ''}
      </form>
      <section class="card flush" id="services-table">{table}</section>
    </DeviceLayout>
  )
}
