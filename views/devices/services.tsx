// The device's Services tab: the services its agent last reported (name, display name, state,
// start type), filtered by text and state; the table swaps on its own (htmx) as the filter
// changes and when the agent reports a change. With devices:services, each row has Start /
// Stop / Restart and a start type picker (the agent does it; the row shows the outcome).
import type { Service } from '../../src/devices/repo'
import type { ServicesFilter } from '../../src/devices/model'
import type { PageProps } from '../../src/web/page'
import { EmptyState } from '../components/common'
import { Csrf } from '../components/form'
import { DeviceLayout, type DeviceHeader } from './detail'
import { Ago } from './parts'

const stateKinds: Record<string, string> = { running: 'ok', failed: 'bad', starting: 'info', stopping: 'warn', paused: 'warn' }

/** ServiceState is a service's state as a badge (running green, failed red, others neutral). */
export function ServiceState({ state }: { state: string }) {
  return <span class={`badge ${stateKinds[state] ?? ''}`} safe>{state}</span>
}

/** Controls: where a row's actions post (only for those who may and while the agent is connected). */
export type ServiceControls = { deviceId: string; csrf: string; osType: string }
export type RowNotice = { kind: 'ok' | 'bad' | 'info'; text: string }

const startTypes = [['auto', 'Automatic'], ['manual', 'Manual'], ['disabled', 'Disabled']] as const
/**
 * The picker shows the service's current start type. The systems' words differ: systemd and
 * SysV "disabled" means not started at boot but startable (manual); masked systemd units, and
 * disabled Windows services and launchd jobs, cannot start at all (disabled).
 */
export function currentStartType(mode: string | null, osType: string): 'auto' | 'manual' | 'disabled' {
  const m = (mode ?? '').toLowerCase()
  if (m === 'auto' || m === 'enabled' || m.startsWith('auto')) return 'auto'
  if (m === 'masked') return 'disabled'
  if (m === 'disabled') return osType === 'linux' ? 'manual' : 'disabled'
  return 'manual'
}

function ServiceActions({ service, controls }: { service: Service; controls: ServiceControls }) {
  const url = `/devices/${controls.deviceId}/services/control`
  const running = service.state === 'running' || service.state === 'starting'
  return (
    <form method="post" action={url} hx-post={url} hx-target="closest tr" hx-swap="outerHTML" class="row nowrap service-actions">
      <Csrf token={controls.csrf} />
      <input type="hidden" name="name" value={service.name} />
      {running ? '' : <button class="btn small" type="submit" name="action" value="start">Start</button>}
      {running ? <button class="btn small" type="submit" name="action" value="stop" data-confirm={`Stop ${service.name}?`}>Stop</button> : ''}
      {running ? <button class="btn small" type="submit" name="action" value="restart" data-confirm={`Restart ${service.name}?`}>Restart</button> : ''}
      <label class="sr-only" for={`st-${service.id}`}>Start type</label>
      <select id={`st-${service.id}`} name="startType" class="small">
        {startTypes.map(([v, label]) => <option value={v} selected={v === currentStartType(service.startMode, controls.osType)}>{label}</option>)}
      </select>
      <button class="btn small" type="submit" name="action" value="set_start_type" data-confirm={`Change the start type of ${service.name}?`}>Set</button>
    </form>
  )
}

/** ServiceRow is one service, with its actions and the outcome of the last one when there is one. */
export function ServiceRow({ service, controls, notice }: { service: Service; controls?: ServiceControls | null; notice?: RowNotice }) {
  return (
    <tr data-service={service.name}>
      <td class="mono small" safe>{service.name}</td>
      <td safe>{service.displayName ?? '—'}</td>
      <td><ServiceState state={service.state} /></td>
      <td class="small" safe>{service.startMode ?? '—'}</td>
      {controls ? <td><ServiceActions service={service} controls={controls} />{notice ? <div class={`small notice ${notice.kind}`} role="status" safe>{notice.text}</div> : ''}</td> : ''}
    </tr>
  )
}

export function ServicesTable({ services, filtered, controls }: { services: Service[]; filtered: boolean; controls?: ServiceControls | null }) {
  if (services.length === 0) {
    return filtered
      ? <EmptyState title="No services match" text="Try another search or state." />
      : <EmptyState title="No services reported yet" text="Services appear with the agent's inventory (systemd units or init scripts, launchd jobs, Windows services)." />
  }
  return (
    <div class="table-wrap">
      <table class="services">
        <thead><tr><th>Name</th><th>Display name</th><th>State</th><th>Start type</th>{controls ? <th>Actions</th> : ''}</tr></thead>
        <tbody>{services.map((s) => <ServiceRow service={s} controls={controls} />)}</tbody>
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
        {h.device.lastInventoryAt ? <p class="small muted grow">As the agent reported them <Ago ms={h.device.lastInventoryAt} now={h.now} />; it reports changes within a minute.</p> : ''}
      </form>
      {h.may.services && h.device.status === 'offline' ? <div class="callout warn">The device is offline: services can be started and stopped while its agent is connected.</div> : ''}
      <section class="card flush" id="services-table" hx-get={url} hx-include="#services-filter" hx-trigger="services-refresh" data-services-for={h.device.id} data-live-events="live:device.services">{table}</section>
    </DeviceLayout>
  )
}
