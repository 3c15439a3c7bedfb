// Remote access policy per organization (for those who may manage remote access there), and
// the appliance-wide STUN/TURN servers (platform admins).
import type { RemotePolicy } from '../../src/remote/settings'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader } from '../components/common'
import { Csrf, FormError, Input, Textarea } from '../components/form'
import { Layout } from '../layout'

export type OrgPolicy = { orgId: string; orgName: string; policy: RemotePolicy }
export type IceView = { urls: string[]; turnUsername: string | null; credentialSet: boolean }

/** A checkbox that always sends a value: the hidden "false" comes first, the box's "true" wins when ticked. */
function Flag({ name, label, checked, hint }: { name: string; label: string; checked: boolean; hint?: string }) {
  return (
    <div class="field">
      <input type="hidden" name={name} value="false" />
      <label class="check"><input type="checkbox" name={name} value="true" checked={checked} /> <span safe>{label}</span></label>
      {hint ? <div class="hint" safe>{hint}</div> : ''}
    </div>
  )
}

export function RemoteSettingsPage({ page, orgs, ice, errors, values, savedOrgId }: {
  page: PageProps; orgs: OrgPolicy[]; ice: IceView | null; errors?: { orgId?: string; fields?: FieldErrors; ice?: FieldErrors }; values?: FormValues; savedOrgId?: string
}) {
  return (
    <Layout page={page} title="Remote access policy">
      <PageHeader title="Remote access policy" subtitle="Per organization: MFA before sessions, terminal recording, idle timeout, file manager folders, desktop." />
      {orgs.length === 0 ? <EmptyState title="No organizations to manage" text="You need the remote:manage permission in an organization to set its policy." /> : ''}
      <div class="grid-2">
        {orgs.map((o) => {
          const errs = errors?.orgId === o.orgId ? errors.fields : undefined
          const v = errors?.orgId === o.orgId && values ? values : { ...o.policy, fileRoots: o.policy.fileRoots.join('\n') }
          return (
            <section class="card" id={`policy-${o.orgId}`}>
              <h2 safe>{o.orgName}</h2>
              {savedOrgId === o.orgId ? <div class="callout">Saved.</div> : ''}
              <form method="post" action={`/remote/settings/${o.orgId}`}>
                <Csrf token={page.csrf} />
                <FormError errors={errs} />
                <Flag name="requireMfa" label="Ask for a two-factor code before a session starts" checked={v.requireMfa === true || v.requireMfa === 'true'} hint="One code covers further sessions of the same sign-in for ten minutes." />
                <Flag name="recordTerminal" label="Record terminal sessions (asciicast)" checked={v.recordTerminal === true || v.recordTerminal === 'true'} hint="Output and resizes are recorded; keystrokes are not." />
                <div class="grid-2">
                  <Input name="recordingRetentionDays" label="Keep recordings (days)" type="number" min={1} max={3650} values={v} errors={errs} required />
                  <Input name="idleTimeoutMinutes" label="Idle timeout (minutes)" type="number" min={1} max={1440} values={v} errors={errs} required />
                </div>
                <Textarea name="fileRoots" label="File manager folders" values={v} errors={errs} rows={3} hint="One absolute folder per line (/srv/share, C:\Data). Empty: the whole filesystem. Paths are resolved on the device; .. and symlinks leading outside are refused." />
                <Flag name="rootsApplyToAdmins" label="These folders also bind people who may manage remote access" checked={v.rootsApplyToAdmins === true || v.rootsApplyToAdmins === 'true'} />
                <Flag name="allowDesktop" label="Allow the remote desktop" checked={v.allowDesktop === true || v.allowDesktop === 'true'} />
                <button class="btn primary" type="submit">Save policy</button>
              </form>
            </section>
          )
        })}
      </div>
      {ice
        ? (
          <section class="card form-narrow" id="ice">
            <h2>STUN and TURN servers</h2>
            <p class="small muted">Browsers and agents on one network connect directly without any. Across NAT, a STUN server helps them find each other; where UDP is blocked, a TURN server carries the traffic. When no direct path works, sessions relay through this server automatically.</p>
            <form method="post" action="/remote/settings/ice">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.ice} />
              <Textarea name="urls" label="Servers" value={ice.urls.join('\n')} errors={errors?.ice} rows={3} hint="One URL per line: stun:stun.example.com:3478, turn:turn.example.com:3478?transport=udp, turns:…" />
              <Input name="turnUsername" label="TURN username" value={ice.turnUsername} errors={errors?.ice} autocomplete="off" />
              <Input name="turnCredential" label="TURN credential" type="password" errors={errors?.ice} autocomplete="new-password" hint={ice.credentialSet ? 'A credential is stored (never shown). Leave empty to keep it.' : 'Stored encrypted; never shown again.'} />
              {ice.credentialSet ? <div class="field"><label class="check"><input type="checkbox" name="clearCredential" value="true" /> Remove the stored credential</label></div> : ''}
              <button class="btn primary" type="submit">Save servers</button>
            </form>
          </section>
        )
        : ''}
    </Layout>
  )
}
