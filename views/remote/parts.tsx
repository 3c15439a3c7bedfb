// Pieces shared by the remote access pages: session, recording and transfer tables, and the
// labels for session states and end reasons.
import type { RecordingListRow, SessionListRow, TransferListRow } from '../../src/remote/repo'
import { EmptyState, StatusBadge, Time } from '../components/common'
import { PostButton } from '../components/form'
import { bytes } from '../devices/parts'

export const typeLabels: Record<string, string> = { terminal: 'Terminal', files: 'Files', desktop: 'Desktop' }

export const reasonLabels: Record<string, string> = {
  closed: 'closed by the technician', killed: 'ended by an administrator', idle: 'idle timeout', offline: 'device went offline',
  exited: 'the shell exited', agent_disconnected: 'the agent disconnected', abandoned: 'no viewer for a minute', failed: 'failed',
  server_restart: 'the server restarted', revoked: 'the technician\'s access was withdrawn',
}

export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  if (seconds < 60) return `${seconds} s`
  const m = Math.floor(seconds / 60)
  return m < 60 ? `${m} min ${seconds % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`
}

export function PathBadge({ transport }: { transport: string | null }) {
  if (!transport) return <span class="muted">—</span>
  return transport === 'webrtc' ? <span class="badge ok" title="Direct peer-to-peer connection">Direct (WebRTC)</span> : <span class="badge info" title="Traffic passes through the Breeze server">Relay</span>
}

const live = new Set(['pending', 'connecting', 'active'])

/** SessionTable lists sessions; `actions` decides which rows get Open/Watch/End buttons. */
export function SessionTable({ rows, csrf, userId, canManage, showDevice }: { rows: SessionListRow[]; csrf: string; userId: string; canManage: (orgId: string) => boolean; showDevice: boolean }) {
  if (rows.length === 0) return <EmptyState title="No sessions" text="Remote sessions appear here while they run and afterwards." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr>{showDevice ? <th>Device</th> : ''}<th>Type</th><th>Technician</th><th>Status</th><th>Path</th><th>Started</th><th>Duration</th><th></th></tr></thead>
        <tbody>
          {rows.map((s) => {
            const isLive = live.has(s.status)
            const own = s.userId === userId
            return (
              <tr data-session-row={s.id}>
                {showDevice ? <td><a href={`/devices/${s.deviceId}/remote`} safe>{s.displayName || s.hostname}</a></td> : ''}
                <td><span safe>{typeLabels[s.type] ?? s.type}</span>{s.shell ? <span class="small muted mono" safe> {s.shell}</span> : ''}</td>
                <td safe>{s.userName ?? s.userEmail ?? '—'}</td>
                <td><StatusBadge status={s.status} />{s.endReason ? <span class="small muted" safe> {reasonLabels[s.endReason] ?? s.endReason}</span> : ''}</td>
                <td><PathBadge transport={s.transport} /></td>
                <td><Time ms={s.startedAt ?? s.createdAt} /></td>
                <td>{isLive ? <span class="muted">running</span> : <span safe>{durationText(s.durationSeconds)}</span>}</td>
                <td class="right nowrap">
                  <a class="btn small" href={`/remote/sessions/${s.id}`} hx-boost="false">{isLive ? (own ? 'Open' : 'Watch') : s.recording ? 'Replay' : 'Details'}</a>
                  {isLive && (own || canManage(s.orgId)) ? <PostButton action={`/remote/sessions/${s.id}/end`} csrf={csrf} label={own ? 'End' : 'Kill'} small danger confirm={own ? 'End this session?' : 'End this session now? The shell on the device is closed.'} /> : ''}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

export function RecordingTable({ rows }: { rows: RecordingListRow[] }) {
  if (rows.length === 0) return <EmptyState title="No recordings" text="Terminal sessions are recorded when the organization's policy says so; recordings show up here." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>Recorded</th><th>Device</th><th>Technician</th><th>Length</th><th>Size</th><th>Kept until</th><th></th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td><Time ms={r.startedAt} /></td>
              <td safe>{r.hostname}</td>
              <td safe>{r.userName ?? '—'}</td>
              <td safe>{durationText(Math.round(r.durationMs / 1000))}</td>
              <td safe>{bytes(Number(r.bytes))}</td>
              <td><Time ms={r.expiresAt} /></td>
              <td class="right nowrap">
                <a class="btn small" href={`/remote/sessions/${r.sessionId}`} hx-boost="false">Play</a>
                <a class="btn small" href={`/api/v1/remote/recordings/${r.id}`} hx-boost="false">Download</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function TransferTable({ rows, showDevice }: { rows: TransferListRow[]; showDevice: boolean }) {
  if (rows.length === 0) return <EmptyState title="No file transfers" text="Files moved to or from devices in the file manager are listed here." />
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th>When</th>{showDevice ? <th>Device</th> : ''}<th>Technician</th><th>Direction</th><th>Path</th><th>Size</th><th>Status</th><th>Path taken</th></tr></thead>
        <tbody>
          {rows.map((x) => (
            <tr>
              <td><Time ms={x.createdAt} /></td>
              {showDevice ? <td safe>{x.hostname}</td> : ''}
              <td safe>{x.userName ?? '—'}</td>
              <td>{x.direction === 'upload' ? 'Upload' : 'Download'}</td>
              <td class="mono truncate" title={x.remotePath} safe>{x.remotePath}</td>
              <td safe>{bytes(x.sizeBytes === null ? null : Number(x.sizeBytes))}</td>
              <td><StatusBadge status={x.status} />{x.status === 'transferring' ? <span class="small muted"> {x.progressPercent}%</span> : ''}{x.errorMessage ? <span class="small muted" safe> {x.errorMessage}</span> : ''}{x.sha256 && x.status === 'completed' ? <span class="small muted mono" title={`SHA-256 ${x.sha256}`}> ✓ SHA-256</span> : ''}</td>
              <td><PathBadge transport={x.via === 'http' ? 'relay' : x.via} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
