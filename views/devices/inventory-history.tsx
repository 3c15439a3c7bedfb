// Inventory time-travel on a device's History tab: its software, hardware and OS as of a date,
// or what changed between two dates.
import type { HardwareField, InventoryDiff, InventoryState, PackageState } from '../../src/devices/inventory-history'
import type { PageProps } from '../../src/web/page'
import { EmptyState, Time } from '../components/common'
import { DeviceLayout, HistoryNav, type DeviceHeader } from './detail'

export const hardwareLabels: Record<HardwareField, string> = {
  cpuModel: 'CPU', cpuCores: 'Cores', cpuThreads: 'Threads', ramTotalMb: 'Memory (MB)', diskTotalGb: 'Disk (GB)', gpuModel: 'GPU',
  serialNumber: 'Serial number', manufacturer: 'Manufacturer', model: 'Model', biosVersion: 'BIOS',
}

export type InventoryView =
  | { mode: 'at'; state: InventoryState }
  | { mode: 'diff'; diff: InventoryDiff }
  | { mode: 'error'; field: string; message: string }

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v))

function PackageTable({ rows, caption }: { rows: PackageState[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="small muted" safe>{caption}</caption>
        <thead><tr><th>Name</th><th>Version</th><th>Publisher</th><th>Source</th></tr></thead>
        <tbody>{rows.map((p) => (
          <tr><td safe>{p.name}</td><td class="mono small" safe>{show(p.version)}</td><td class="small" safe>{show(p.publisher)}</td><td class="small muted" safe>{show(p.source)}</td></tr>
        ))}</tbody>
      </table>
    </div>
  )
}

function AsOf({ state }: { state: InventoryState }) {
  const hw = state.hardware
  return (
    <>
      <section class="card" id="inventory-as-of">
        <h2 class="card-title">As of <Time ms={state.at} /></h2>
        <p safe>{`Operating system: ${state.os.version}${state.os.build ? ` (build ${state.os.build})` : ''}`}</p>
        {hw
          ? (
            <dl class="props">
              {(Object.keys(hardwareLabels) as HardwareField[]).map((f) => <><dt safe>{hardwareLabels[f]}</dt><dd safe>{show(hw[f])}</dd></>)}
            </dl>
          )
          : <p class="muted">No hardware had been reported by then.</p>}
      </section>
      <section class="card flush" id="software-as-of">
        {state.software === null
          ? <EmptyState title="No software reported by then" text="The agent had not sent its first software inventory at that time." />
          : state.software.length === 0
            ? <EmptyState title="No software" text="The device reported no installed software at that time." />
            : <PackageTable rows={state.software} caption={`${state.software.length} package${state.software.length === 1 ? '' : 's'} installed then`} />}
      </section>
    </>
  )
}

function Diff({ diff }: { diff: InventoryDiff }) {
  const sw = diff.software
  const nothing = !diff.os && diff.hardware.length === 0 && (!sw || sw.added.length + sw.removed.length + sw.changed.length === 0)
  return (
    <section class="card flush" id="inventory-diff">
      <h2 class="card-title">From <Time ms={diff.from} /> to <Time ms={diff.to} /></h2>
      {nothing ? <EmptyState title="No inventory change" text="Software, hardware and operating system were the same at both times." /> : ''}
      {diff.os ? <p class="pad" safe>{`Operating system: ${diff.os.from.version} ${diff.os.from.build ?? ''} → ${diff.os.to.version} ${diff.os.to.build ?? ''}`}</p> : ''}
      {diff.hardware.length > 0
        ? (
          <div class="table-wrap">
            <table>
              <caption class="small muted">Hardware</caption>
              <thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>
              <tbody>{diff.hardware.map((h) => <tr><td safe>{hardwareLabels[h.field]}</td><td safe>{show(h.from)}</td><td safe>{show(h.to)}</td></tr>)}</tbody>
            </table>
          </div>
        )
        : ''}
      {sw && sw.changed.length > 0
        ? (
          <div class="table-wrap">
            <table id="diff-changed">
              <caption class="small muted" safe>{`Changed (${sw.changed.length})`}</caption>
              <thead><tr><th>Name</th><th>Before</th><th>After</th><th>Source</th></tr></thead>
              <tbody>{sw.changed.map((p) => <tr><td safe>{p.name}</td><td class="mono small" safe>{show(p.from)}</td><td class="mono small" safe>{show(p.to)}</td><td class="small muted" safe>{show(p.source)}</td></tr>)}</tbody>
            </table>
          </div>
        )
        : ''}
      {sw && sw.added.length > 0 ? <div id="diff-added"><PackageTable rows={sw.added} caption={`Added (${sw.added.length})`} /></div> : ''}
      {sw && sw.removed.length > 0 ? <div id="diff-removed"><PackageTable rows={sw.removed} caption={`Removed (${sw.removed.length})`} /></div> : ''}
    </section>
  )
}

/** InventoryTimeTab: "as of" and "compare two dates" forms, then the answer. Dates are UTC days. */
export function InventoryTimeTab({ page, h, view, at, from, to }: { page: PageProps; h: DeviceHeader; view: InventoryView; at: string; from: string; to: string }) {
  const action = `/devices/${h.device.id}/inventory`
  return (
    <DeviceLayout page={page} h={h} tab="history">
      <HistoryNav id={h.device.id} current="inventory" />
      <div class="grid-2">
        <form class="card filters" method="get" action={action} aria-label="As of">
          <div class="field"><label for="f-at">As of (end of day, UTC)</label><input id="f-at" type="date" name="at" value={at} required /></div>
          <button class="btn" type="submit">Show</button>
        </form>
        <form class="card filters" method="get" action={action} aria-label="Compare two dates">
          <div class="field"><label for="f-from">Compare from</label><input id="f-from" type="date" name="from" value={from} required /></div>
          <div class="field"><label for="f-to">to</label><input id="f-to" type="date" name="to" value={to} required /></div>
          <button class="btn" type="submit">Compare</button>
        </form>
      </div>
      {view.mode === 'error' ? <div class="callout bad" role="alert" safe>{`${view.field}: ${view.message}`}</div> : ''}
      {view.mode === 'at' ? <AsOf state={view.state} /> : ''}
      {view.mode === 'diff' ? <Diff diff={view.diff} /> : ''}
    </DeviceLayout>
  )
}
