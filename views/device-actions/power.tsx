// The Power menu of the device header: reboot, shut down or "reboot if pending" (now or at a
// time, with a message to the signed-in users, a warning time and deferrals) and wake-on-LAN.
// The choice is confirmed before it is sent (powerForm in static/js/app.js).
import type { ScheduledPowerView } from '../../src/device-actions/power-schedule'
import { Time } from '../components/common'
import { Csrf, PostButton } from '../components/form'

export function PowerMenu({ deviceId, csrf, label, pendingReboot, online }: { deviceId: string; csrf: string; label: string; pendingReboot: boolean; online: boolean }) {
  return (
    <details class="dropdown power-menu">
      <summary class="btn">Power</summary>
      <div class="dropdown-menu">
        <form method="post" action={`/devices/${deviceId}/power`} class="stack-sm" x-data="powerForm" data-device={label} x-on:submit="ask">
          <Csrf token={csrf} />
          <div class="field">
            <label for="f-power-action">Action</label>
            <select id="f-power-action" name="action" x-model="action">
              <option value="reboot">Reboot</option>
              <option value="reboot_if_pending">{pendingReboot ? 'Reboot if pending (a reboot is pending)' : 'Reboot if pending'}</option>
              <option value="shutdown">Shut down</option>
              <option value="wake">Wake (wake-on-LAN)</option>
            </select>
          </div>
          <div class="field" x-show="action !== 'wake'">
            <label for="f-power-when">When</label>
            <select id="f-power-when" name="when" x-model="when">
              <option value="now">{online ? 'Now' : 'Now (the device is offline)'}</option>
              <option value="at">At a time…</option>
            </select>
          </div>
          <div class="field" x-show="action !== 'wake' && when === 'at'">
            <label for="f-power-at">At (your time)</label>
            <input id="f-power-at" type="datetime-local" name="atLocal" x-model="atLocal" />
            <input type="hidden" name="at" x-bind:value="atIso" />
          </div>
          <div class="field" x-show="action !== 'wake'">
            <label for="f-power-message">Message to the signed-in users</label>
            <input id="f-power-message" type="text" name="message" maxlength="500" placeholder="Restarting for updates, save your work" />
          </div>
          <div class="field" x-show="action !== 'wake'">
            <label for="f-power-delay">Warning before it happens</label>
            <select id="f-power-delay" name="delaySeconds">
              <option value="">1 minute with a message, none without</option>
              <option value="0">None</option>
              <option value="300">5 minutes</option>
              <option value="900">15 minutes</option>
              <option value="3600">1 hour</option>
            </select>
          </div>
          <div class="field" x-show="action !== 'wake'">
            <label for="f-power-deferrals">The user may defer</label>
            <select id="f-power-deferrals" name="deferrals">
              <option value="0">No</option>
              <option value="1">Once</option>
              <option value="3">Up to 3 times</option>
            </select>
            <select name="deferMinutes" aria-label="Each deferral lasts">
              <option value="60">by 1 hour</option>
              <option value="15">by 15 minutes</option>
              <option value="240">by 4 hours</option>
            </select>
          </div>
          <button class="btn danger" type="submit" data-power-submit>Send</button>
        </form>
      </div>
    </details>
  )
}

/** ScheduledPowerCallout lists the power actions waiting for their time, each with Cancel for those who may. */
export function ScheduledPowerCallout({ deviceId, csrf, scheduled, canCancel }: { deviceId: string; csrf: string; scheduled: ScheduledPowerView[]; canCancel: boolean }) {
  return (
    <div class="callout info" id="scheduled-power">
      {scheduled.map((j) => (
        <div class="row">
          <span class="grow">
            <strong>{j.action === 'reboot' ? 'Reboot' : 'Shutdown'}</strong> {j.deferred ? 'deferred by the user until' : 'scheduled for'} <Time ms={j.at} />
            {j.by ? <> by <span safe>{j.by}</span></> : ''}{j.message ? <>: “<span safe>{j.message}</span>”</> : ''}
          </span>
          {canCancel ? <PostButton action={`/devices/${deviceId}/power/${j.jobId}/cancel`} csrf={csrf} label="Cancel" small confirm={`Cancel this ${j.action === 'reboot' ? 'reboot' : 'shutdown'}?`} /> : ''}
        </div>
      ))}
    </div>
  )
}
