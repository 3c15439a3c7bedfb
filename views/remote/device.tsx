// A device's remote access page: what the endpoint offers (asked live from its agent), the
// buttons that open a terminal, the file manager or the desktop, the sessions running on it
// now, and its history (sessions, recordings, file transfers).
import type { RemoteCapabilities } from '../../src/protocol/remote'
import type { RecordingListRow, SessionListRow, TransferListRow } from '../../src/remote/repo'
import type { FieldErrors } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Csrf, FormError } from '../components/form'
import { DeviceStatus } from '../devices/parts'
import { Layout } from '../layout'
import { RecordingTable, SessionTable, TransferTable } from './parts'

export type RemoteDevice = { id: string; name: string; status: string; osType: string; orgId: string; orgName: string; siteName: string; connected: boolean }
export type RemotePolicyView = { requireMfa: boolean; allowDesktop: boolean; recordTerminal: boolean; idleTimeoutMinutes: number; mfaCovered: boolean }

export function RemoteDevicePage({ page, device, policy, live, recent, recordings, transfers, canManage, errors }: {
  page: PageProps; device: RemoteDevice; policy: RemotePolicyView; live: SessionListRow[]; recent: SessionListRow[]; recordings: RecordingListRow[]; transfers: TransferListRow[]
  canManage: boolean; errors?: FieldErrors
}) {
  return (
    <Layout page={page} title={`Remote: ${device.name}`}>
      <PageHeader title={`Remote access: ${device.name}`} subtitle={`${device.orgName} / ${device.siteName}`}>
        <DeviceStatus id={device.id} status={device.status} />
        <a class="btn" href={`/devices/${device.id}`}>Device</a>
      </PageHeader>
      <FormError errors={errors} />
      {errors?.mfaCode ? <div class="callout bad" role="alert" safe>{errors.mfaCode}</div> : ''}
      <section class="card" id="remote-start">
        <h2>Connect</h2>
        {device.connected
          ? (
            <div hx-get={`/devices/${device.id}/remote/capabilities`} hx-trigger="load" hx-swap="outerHTML">
              <p class="muted"><span class="spinner" aria-hidden="true"></span> Asking the device what it offers…</p>
            </div>
          )
          : <div class="callout warn">The device's agent is not connected right now. Remote sessions start once it is back online.</div>}
        <p class="small muted">
          {policy.recordTerminal ? 'Terminal sessions are recorded. ' : 'Terminal sessions are not recorded. '}
          Sessions end after {policy.idleTimeoutMinutes} minutes without input.
          {policy.requireMfa ? ' A two-factor code is asked before a session starts.' : ''}
        </p>
      </section>
      <section class="card flush" hx-get={`/devices/${device.id}/remote`} hx-select="#remote-live" hx-target="#remote-live" hx-swap="outerHTML" hx-trigger="live:remote.session from:body throttle:1s">
        <div id="remote-live">
          <h2 class="pad">Running now</h2>
          <SessionTable rows={live} csrf={page.csrf} userId={page.user.id} canManage={() => canManage} showDevice={false} />
        </div>
      </section>
      <section class="card flush">
        <h2 class="pad">Recent sessions</h2>
        <SessionTable rows={recent} csrf={page.csrf} userId={page.user.id} canManage={() => canManage} showDevice={false} />
      </section>
      <section class="card flush">
        <h2 class="pad">Recordings</h2>
        <RecordingTable rows={recordings} />
      </section>
      <section class="card flush">
        <h2 class="pad">File transfers</h2>
        <TransferTable rows={transfers} showDevice={false} />
      </section>
    </Layout>
  )
}

/** CapabilitiesPanel is the fragment with the connect buttons, once the agent answered. */
export function CapabilitiesPanel({ deviceId, csrf, caps, policy, error }: { deviceId: string; csrf: string; caps: RemoteCapabilities | null; policy: RemotePolicyView; error?: string }) {
  if (!caps) return <div class="callout bad" id="remote-caps" safe>{`The device did not say what it offers: ${error ?? 'no answer'}`}</div>
  const mfa = policy.requireMfa && !policy.mfaCovered
  const MfaField = () => (mfa ? <input name="mfaCode" type="text" inputmode="numeric" autocomplete="one-time-code" placeholder="2FA code" maxlength="8" size="8" required aria-label="Two-factor code" /> : '')
  return (
    <div class="stack" id="remote-caps">
      <div class="row">
        {caps.terminal.available
          ? (
            <form method="post" action={`/devices/${deviceId}/remote/sessions`} hx-boost="false" class="row" id="open-terminal">
              <Csrf token={csrf} />
              <input type="hidden" name="type" value="terminal" />
              <label class="sr-only" for="f-shell">Shell</label>
              <select id="f-shell" name="shell">
                {caps.shells.map((s) => <option value={s.path} selected={s.path === caps.defaultShell} safe>{s.name}</option>)}
              </select>
              <MfaField />
              <button class="btn primary" type="submit">Open terminal</button>
            </form>
          )
          : <span class="callout warn" safe>{`Terminal not available: ${caps.terminal.reason ?? 'unknown reason'}`}</span>}
        <form method="post" action={`/devices/${deviceId}/remote/sessions`} hx-boost="false" class="row" id="open-files">
          <Csrf token={csrf} />
          <input type="hidden" name="type" value="files" />
          <MfaField />
          <button class="btn" type="submit">Files</button>
        </form>
        {caps.desktop.available && policy.allowDesktop
          ? (
            <form method="post" action={`/devices/${deviceId}/remote/sessions`} hx-boost="false" class="row" id="open-desktop">
              <Csrf token={csrf} />
              <input type="hidden" name="type" value="desktop" />
              {caps.desktop.monitors.length > 1
                ? (
                  <select name="monitor" aria-label="Monitor">
                    {caps.desktop.monitors.map((m) => <option value={String(m.index)} safe>{`${m.name} (${m.width}×${m.height})`}</option>)}
                  </select>
                )
                : ''}
              <MfaField />
              <button class="btn" type="submit">Desktop</button>
            </form>
          )
          : ''}
      </div>
      {!caps.desktop.available
        ? <p class="small muted" id="desktop-unavailable" safe>{`Remote desktop not available on this device: ${caps.desktop.reason ?? 'unknown reason'}`}</p>
        : !policy.allowDesktop ? <p class="small muted">The remote desktop is turned off in this organization's remote access policy.</p> : ''}
      <p class="small muted" safe>{`${caps.os} · home ${caps.home ?? '—'}${caps.desktop.display ? ` · display ${caps.desktop.display}` : ''}${caps.desktop.tools.length ? ` · tools: ${caps.desktop.tools.join(', ')}` : ''}`}</p>
    </div>
  )
}
