// One remote session: while it runs, the workspace (terminal, file manager or desktop) with
// the path in use and who is watching; afterwards, its record and the recording player.
// All behaviour is in static/js/remote.js; the page only hands it ids, the ticket and URLs.
import type { RecordingRow, RemoteSessionRow, TransferListRow } from '../../src/remote/repo'
import type { PageProps } from '../../src/web/page'
import { PageHeader, StatusBadge, Time } from '../components/common'
import { PostButton } from '../components/form'
import { bytes } from '../devices/parts'
import { Layout } from '../layout'
import { durationText, PathBadge, reasonLabels, TransferTable, typeLabels } from './parts'

export type SessionView = {
  session: RemoteSessionRow
  deviceName: string
  userName: string
  live: boolean
  role: 'control' | 'view'
  ticket: string | null
  canEnd: boolean
  recording: RecordingRow | null
  /** File sessions: what was moved. */
  transfers: TransferListRow[]
}

export function RemoteSessionPage({ page, v }: { page: PageProps; v: SessionView }) {
  const s = v.session
  const title = `${typeLabels[s.type] ?? s.type}: ${v.deviceName}`
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle={`Opened by ${v.userName}`}>
        <a class="btn" href={`/devices/${s.deviceId}/remote`}>Device remote page</a>
        {v.live && v.canEnd ? <PostButton action={`/remote/sessions/${s.id}/end`} csrf={page.csrf} label={v.role === 'control' ? 'End session' : 'Kill session'} danger confirm="End this session? The shell or transfer on the device stops." /> : ''}
      </PageHeader>
      {v.live && v.ticket ? <Workspace page={page} v={v} /> : <Summary v={v} assets={xtermAssets(page)} />}
    </Layout>
  )
}

/** The xterm library files, loaded on demand by static/js/remote.js. */
function xtermAssets(page: PageProps): string {
  return [page.assets['xterm.js'], page.assets['xterm-fit.js'], page.assets['xterm.css']].join(' ')
}

function Workspace({ page, v }: { page: PageProps; v: SessionView }) {
  const s = v.session
  const xterm = xtermAssets(page)
  return (
    <section class="card remote-workspace" id="remote-workspace" x-data="remoteSession"
      data-session={s.id} data-ticket={v.ticket!} data-role={v.role} data-kind={s.type} data-join={`/api/v1/remote/sessions/${s.id}/join`} data-assets={xterm}
      data-module={s.type === 'files' ? page.assets['remote-files.js'] : s.type === 'desktop' ? page.assets['remote-desktop.js'] : undefined}>
      <div class="remote-toolbar row">
        <span class="badge" data-ref="status">Connecting…</span>
        <span class="badge" data-ref="path" title="How this browser reaches the device">—</span>
        {v.role === 'view' ? <span class="badge warn">View only</span> : ''}
        <span class="small muted" data-ref="viewers"></span>
        <span class="grow"></span>
        <span class="small muted" data-ref="latency"></span>
      </div>
      <div class="callout" data-ref="message" hidden></div>
      {s.type === 'terminal' ? <div class="terminal-host" data-ref="term" tabindex="0"></div> : ''}
      {s.type === 'files' ? <FileManager /> : ''}
      {s.type === 'desktop' ? <DesktopView role={v.role} /> : ''}
    </section>
  )
}

function FileManager() {
  return (
    <div class="file-manager stack" data-ref="files">
      <nav class="breadcrumbs row" data-ref="crumbs" aria-label="Folder"></nav>
      <div class="row">
        <button type="button" class="btn small" data-action="up">Up</button>
        <button type="button" class="btn small" data-action="refresh">Refresh</button>
        <button type="button" class="btn small" data-action="mkdir">New folder</button>
        <label class="btn small primary">Upload files<input type="file" multiple hidden data-ref="upload" /></label>
        <span class="small muted">or drop files onto the list</span>
      </div>
      <div class="table-wrap drop-zone" data-ref="drop">
        <table>
          <thead><tr><th>Name</th><th class="right">Size</th><th>Modified</th><th>Permissions</th><th></th></tr></thead>
          <tbody data-ref="entries"><tr><td colspan="5" class="muted">Loading…</td></tr></tbody>
        </table>
      </div>
      <h3>Transfers</h3>
      <ul class="transfers stack-sm" data-ref="transfers"><li class="muted small">None yet.</li></ul>
    </div>
  )
}

function DesktopView({ role }: { role: 'control' | 'view' }) {
  return (
    <div class="desktop-view stack" data-ref="desktop">
      <div class="row">
        <label class="small">Frame rate <select data-ref="fps"><option value="5">5 fps</option><option value="10" selected>10 fps</option><option value="15">15 fps</option><option value="25">25 fps</option></select></label>
        <label class="small">Quality <select data-ref="quality"><option value="12">Low</option><option value="6" selected>Medium</option><option value="3">High</option></select></label>
        <label class="small">Monitor <select data-ref="monitor"></select></label>
        {role === 'control' ? <label class="check small"><input type="checkbox" data-ref="viewOnly" /> View only</label> : ''}
        <span class="small muted" data-ref="fpsShown"></span>
      </div>
      <canvas data-ref="screen" tabindex="0" class="desktop-canvas"></canvas>
    </div>
  )
}

function Summary({ v, assets }: { v: SessionView; assets: string }) {
  const s = v.session
  return (
    <>
      <section class="card">
        <dl class="kv">
          <dt>Status</dt><dd><StatusBadge status={s.status} />{s.endReason ? <span class="small muted" safe> {reasonLabels[s.endReason] ?? s.endReason}</span> : ''}{s.errorMessage ? <span class="small muted" safe> — {s.errorMessage}</span> : ''}</dd>
          <dt>Type</dt><dd safe>{typeLabels[s.type] ?? s.type}</dd>
          {s.shell ? <><dt>Shell</dt><dd class="mono" safe>{s.shell}</dd></> : ''}
          <dt>Path</dt><dd><PathBadge transport={s.transport} />{s.iceCandidates.length ? <span class="small muted" safe> ICE: {s.iceCandidates.join(', ')}</span> : ''}</dd>
          <dt>Opened</dt><dd><Time ms={s.createdAt} /></dd>
          <dt>Ended</dt><dd><Time ms={s.endedAt} /></dd>
          <dt>Duration</dt><dd safe>{durationText(s.durationSeconds)}</dd>
          <dt>Relayed</dt><dd safe>{`${bytes(Number(s.bytesIn))} in · ${bytes(Number(s.bytesOut))} out`}</dd>
        </dl>
      </section>
      {v.recording
        ? (
          <section class="card">
            <h2>Recording</h2>
            <CastPlayer src={`/api/v1/remote/recordings/${v.recording.id}`} assets={assets} />
            <p class="small muted">Recorded in asciicast v2; kept until <Time ms={v.recording.expiresAt} />. <a href={`/api/v1/remote/recordings/${v.recording.id}`} hx-boost="false">Download</a></p>
          </section>
        )
        : s.recording ? <section class="card"><p class="muted">The recording of this session is no longer kept (retention).</p></section> : ''}
      {s.type === 'files'
        ? <section class="card flush"><h2 class="pad">Files moved in this session</h2><TransferTable rows={v.transfers} showDevice={false} /></section>
        : ''}
    </>
  )
}

/** CastPlayer plays an asciicast recording in a terminal, with pause and speed. */
export function CastPlayer({ src, assets }: { src: string; assets: string }) {
  return (
    <div class="cast-player stack" x-data="castPlayer" data-src={src} data-assets={assets}>
      <div class="terminal-host" data-ref="term"></div>
      <div class="row">
        <button type="button" class="btn small" data-ref="play">Play</button>
        <label class="small">Speed <select data-ref="speed"><option value="1">1×</option><option value="2">2×</option><option value="4">4×</option><option value="16">16×</option></select></label>
        <progress data-ref="progress" max="1" value="0"></progress>
        <span class="small muted mono" data-ref="clock">0:00</span>
      </div>
    </div>
  )
}
