// The device's Processes tab: the live list (name, PID, user, CPU, memory, command line),
// searched and sorted, refreshed every few seconds while the tab is open and visible (paused
// while the pointer is over the table), with Kill and Kill tree on each row.
import type { ProcessesListResult } from '../../src/protocol'
import type { PageProps } from '../../src/web/page'
import { EmptyState } from '../components/common'
import { Csrf } from '../components/form'
import { DeviceLayout, type DeviceHeader } from '../devices/detail'
import { bytes } from '../devices/parts'

export type ProcessFilter = { sortBy: string; search?: string; limit: number }
export type Notice = { kind: 'ok' | 'bad' | 'info'; text: string }

const sorts = [['cpu', 'CPU'], ['memory', 'Memory'], ['name', 'Name'], ['pid', 'PID']] as const
const sortLabel = (key: string) => sorts.find(([k]) => k === key)?.[1] ?? 'CPU'

function KillForm({ deviceId, pid, name, tree, csrf }: { deviceId: string; pid: number; name: string; tree: boolean; csrf: string }) {
  const url = `/devices/${deviceId}/processes/${pid}/kill`
  const confirm = tree ? `Kill ${name} (PID ${pid}) and every process it started?` : `Kill ${name} (PID ${pid})?`
  return (
    <form method="post" action={url} hx-post={url} hx-target="#process-table" hx-include="#process-filter" class="inline-form" data-confirm={confirm}>
      <Csrf token={csrf} />
      <input type="hidden" name="name" value={name} />
      {tree ? <input type="hidden" name="tree" value="true" /> : ''}
      <button class={tree ? 'btn small danger' : 'btn small'} type="submit" data-kill={tree ? 'tree' : 'process'} title={tree ? 'Kill it and its child processes' : 'Kill this process'}>{tree ? 'Kill tree' : 'Kill'}</button>
    </form>
  )
}

/** ProcessTable is the fragment the tab refreshes: the list, an error in its place, or the result of a kill above it. */
export function ProcessTable({ deviceId, result, error, filter, canKill, csrf, notice }: {
  deviceId: string; result?: ProcessesListResult; error?: string; filter: ProcessFilter; canKill: boolean; csrf: string; notice?: Notice
}) {
  const banner = notice ? <div class={`callout ${notice.kind === 'ok' ? 'ok' : notice.kind === 'bad' ? 'bad' : 'info'}`} role="status" safe>{notice.text}</div> : ''
  if (error) return <>{banner}<div class="callout warn" role="alert" safe>{error}</div></>
  if (!result) return <p class="muted pad">Asking the agent for its processes…</p>
  if (result.processes.length === 0) {
    return <>{banner}{filter.search ? <EmptyState title="No process matches" text="Try another search." /> : <EmptyState title="No processes reported" text="The agent listed no processes." />}</>
  }
  const shown = result.processes.length
  const matched = result.matched ?? result.total
  return (
    <>
      {banner}
      <div class="table-wrap">
        <table class="processes">
          <thead><tr><th>Process</th><th>PID</th><th>User</th><th class="num">CPU %</th><th class="num">Memory</th><th>Command</th>{canKill ? <th><span class="sr-only">Actions</span></th> : ''}</tr></thead>
          <tbody>{result.processes.map((p) => (
            <tr data-pid={String(p.pid)}>
              <td safe>{p.name}</td>
              <td class="mono small">{p.pid}</td>
              <td class="small" safe>{p.user ?? '—'}</td>
              <td class="num" safe>{p.cpuPercent.toFixed(1)}</td>
              <td class="num small" safe>{bytes(p.memoryMb * 1024 * 1024)}</td>
              <td class="mono small truncate" title={p.command ?? ''} safe>{p.command ?? ''}</td>
              {canKill ? <td class="nowrap"><KillForm deviceId={deviceId} pid={p.pid} name={p.name} tree={false} csrf={csrf} /> <KillForm deviceId={deviceId} pid={p.pid} name={p.name} tree csrf={csrf} /></td> : ''}
            </tr>
          ))}</tbody>
        </table>
      </div>
      <div class="pagination muted small" safe>
        {`${shown < matched ? `${shown} of ${matched}` : shown} ${filter.search ? 'matching ' : ''}of ${result.total} processes, by ${sortLabel(filter.sortBy)}; CPU is a share of the whole machine`}
      </div>
    </>
  )
}

export function ProcessesTab({ page, h, filter }: { page: PageProps; h: DeviceHeader; filter: ProcessFilter }) {
  const url = `/devices/${h.device.id}/processes`
  const online = h.device.status === 'online' || h.device.status === 'maintenance'
  return (
    <DeviceLayout page={page} h={h} tab="processes">
      <form class="filters" id="process-filter" method="get" action={url} hx-get={`${url}/list`} hx-target="#process-table"
        hx-trigger="input changed delay:400ms from:(#p-search), change from:(#process-filter select), submit">
        <div class="field"><label for="p-search">Search</label><input id="p-search" type="search" name="search" value={filter.search} placeholder="Name, user, command or PID" /></div>
        <div class="field"><label for="p-sort">Sort by</label>
          <select id="p-sort" name="sortBy">{sorts.map(([k, label]) => <option value={k} selected={filter.sortBy === k}>{label}</option>)}</select>
        </div>
        <div class="field"><label for="p-limit">Show</label>
          <select id="p-limit" name="limit">{[25, 50, 100, 250, 500].map((n) => <option value={String(n)} selected={filter.limit === n}>{n}</option>)}</select>
        </div>
        <noscript><button class="btn" type="submit">Show</button></noscript>
        <div class="grow"></div>
        <div x-data="livePoll" data-target="process-table" data-seconds="5" class="row">
          <span class="small muted" x-text="state"></span>
          <button type="button" class="btn small" x-on:click="toggle" x-text="label">Pause</button>
        </div>
      </form>
      {online ? '' : <div class="callout warn">The device is {h.device.status}: its processes can be listed only while its agent is connected.</div>}
      <section class="card flush" id="process-table" hx-get={`${url}/list`} hx-include="#process-filter" hx-trigger="load, live-refresh">
        <p class="muted pad">Asking the agent for its processes…</p>
      </section>
    </DeviceLayout>
  )
}
