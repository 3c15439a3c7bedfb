// The signed-in user's own account: profile, password, sessions, two-factor, API keys.
import type { ApiKeyView } from '../../src/auth/api-keys'
import type { Session } from '../../src/auth/session-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Checkbox, Csrf, FormError, Input, PostButton } from '../components/form'
import { Layout } from '../layout'

type Base = { page: PageProps; errors?: FieldErrors; values?: FormValues }

function AccountTabs({ current }: { current: string }) {
  const tab = (href: string, label: string) => <a href={href} aria-current={current === href ? 'page' : undefined} safe>{label}</a>
  return <nav class="tabs">{tab('/account', 'Profile & password')}{tab('/account/mfa', 'Two-factor authentication')}{tab('/account/api-keys', 'API keys')}</nav>
}

export function AccountPage({ page, errors, values, sessions, currentSessionId }: Base & { sessions: Session[]; currentSessionId: string | null }) {
  return (
    <Layout page={page} title="Account">
      <PageHeader title="Account" subtitle={page.user.email} />
      <AccountTabs current="/account" />
      <div class="grid-2">
        <section class="card">
          <h2>Profile</h2>
          <form method="post" action="/account/profile">
            <Csrf token={page.csrf} />
            <Input name="name" label="Name" value={page.user.name} errors={errors} required />
            <button class="btn primary" type="submit">Save</button>
          </form>
        </section>
        <section class="card">
          <h2>Change password</h2>
          <p class="muted small">Changing your password signs out every other session.</p>
          <form method="post" action="/account/password">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <Input name="currentPassword" label="Current password" type="password" errors={errors} required autocomplete="current-password" />
            <Input name="newPassword" label="New password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters" />
            <button class="btn primary" type="submit">Change password</button>
          </form>
        </section>
      </div>
      <section class="card flush">
        <div class="table-wrap">
          <table>
            <thead><tr><th>Session</th><th>Address</th><th>Started</th><th>Last active</th></tr></thead>
            <tbody>
              {sessions.map((s) => (
                <tr>
                  <td><span safe>{(s.userAgent ?? 'unknown client').slice(0, 80)}</span> {s.id === currentSessionId ? <span class="badge ok">this one</span> : ''}</td>
                  <td safe>{s.ip ?? '—'}</td>
                  <td><Time ms={s.createdAt} /></td>
                  <td><Time ms={s.lastSeenAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Layout>
  )
}

export function MfaPage({ page, errors, enabled, pending, recoveryCodes, unusedCodes, required }: Base & {
  enabled: boolean
  pending: { secret: string; qrDataUrl: string } | null
  recoveryCodes?: string[]
  unusedCodes: number
  required: boolean
}) {
  return (
    <Layout page={page} title="Two-factor authentication">
      <PageHeader title="Two-factor authentication" subtitle="A code from an authenticator app (TOTP) on top of your password." />
      <AccountTabs current="/account/mfa" />
      {required && !enabled ? <div class="callout warn">Your organization requires two-factor authentication. Set it up to continue using Breeze.</div> : ''}
      {recoveryCodes ? <RecoveryCodes codes={recoveryCodes} /> : ''}
      {enabled
        ? (
          <div class="grid-2">
            <section class="card">
              <h2>Two-factor authentication is on <span class="badge ok">enabled</span></h2>
              <p class="muted">{unusedCodes} unused recovery codes left.</p>
              <form method="post" action="/account/mfa/recovery-codes">
                <Csrf token={page.csrf} />
                <Input name="password" label="Password" type="password" errors={errors} required autocomplete="current-password" />
                <button class="btn" type="submit">New recovery codes</button>
              </form>
            </section>
            {required ? '' : (
              <section class="card">
                <h2>Turn off</h2>
                <form method="post" action="/account/mfa/disable">
                  <Csrf token={page.csrf} />
                  <Input name="password" label="Password" type="password" required autocomplete="current-password" />
                  <button class="btn danger" type="submit">Turn off two-factor authentication</button>
                </form>
              </section>
            )}
          </div>
        )
        : pending
          ? (
            <section class="card form-narrow">
              <h2>Scan this code</h2>
              <p>Scan it with an authenticator app (1Password, Google Authenticator, Aegis…), then enter the 6-digit code it shows.</p>
              <div class="qr"><img src={pending.qrDataUrl} width="220" height="220" alt="QR code for your authenticator app" /></div>
              <p class="small muted">Can't scan? Enter this key by hand:</p>
              <div class="secret" id="mfa-secret" safe>{pending.secret}</div>
              <form method="post" action="/account/mfa/enable">
                <Csrf token={page.csrf} />
                <FormError errors={errors} />
                <Input name="code" label="Code from the app" errors={errors} required autocomplete="one-time-code" inputmode="numeric" autofocus />
                <Input name="password" label="Your password" type="password" errors={errors} required autocomplete="current-password" />
                <button class="btn primary" type="submit">Turn on</button>
              </form>
            </section>
          )
          : (
            <section class="card form-narrow">
              <p>Two-factor authentication is off.</p>
              <form method="post" action="/account/mfa/setup">
                <Csrf token={page.csrf} />
                <button class="btn primary" type="submit">Set up two-factor authentication</button>
              </form>
            </section>
          )}
    </Layout>
  )
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <section class="card callout warn">
      <h2>Save your recovery codes</h2>
      <p>Each code signs you in once if you lose your phone. They are shown only now.</p>
      <ul class="codes" id="recovery-codes">{codes.map((c) => <li safe>{c}</li>)}</ul>
      <button type="button" class="btn small" x-data="copy" data-copy="recovery-codes" x-on:click="copy">Copy</button>
    </section>
  )
}

export function ApiKeysPage({ page, errors, values, keys, created, orgs, permissions }: Base & {
  keys: ApiKeyView[]
  created?: { key: string; name: string }
  orgs: { id: string; name: string }[]
  permissions: string[]
}) {
  return (
    <Layout page={page} title="API keys">
      <PageHeader title="API keys" subtitle="For scripts and integrations: send it as Authorization: Bearer brz_…" />
      <AccountTabs current="/account/api-keys" />
      {created
        ? (
          <section class="card callout">
            <h2>Key "<span safe>{created.name}</span>" created</h2>
            <p>Copy it now; it is never shown again.</p>
            <div class="secret" id="new-key" safe>{created.key}</div>
            <button type="button" class="btn small" x-data="copy" data-copy="new-key" x-on:click="copy">Copy</button>
          </section>
        )
        : ''}
      <div class="grid-2">
        <section class="card flush">
          {keys.length === 0
            ? <EmptyState title="No API keys" text="Create a key to use the Breeze API from scripts." />
            : (
              <div class="table-wrap">
                <table>
                  <thead><tr><th>Name</th><th>Key</th><th>Last used</th><th>Expires</th><th></th></tr></thead>
                  <tbody>
                    {keys.map((k) => (
                      <tr>
                        <td safe>{k.name}</td>
                        <td class="mono"><span safe>{k.prefix}</span>…{k.fleet ? <> <span class="badge warn" title="May act on more than 50 devices at once">fleet</span></> : ''}</td>
                        <td><Time ms={k.lastUsedAt} /></td>
                        <td>{k.revokedAt ? <span class="badge bad">revoked</span> : <Time ms={k.expiresAt} />}</td>
                        <td class="actions">{k.revokedAt ? '' : <PostButton action={`/account/api-keys/${k.id}/revoke`} csrf={page.csrf} label="Revoke" danger small confirm="Revoke this key? Anything using it stops working." />}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
        </section>
        <section class="card">
          <h2>New key</h2>
          <form method="post" action="/account/api-keys">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <Input name="name" label="Name" values={values} errors={errors} required placeholder="backup script" />
            <Input name="expiresInDays" label="Expires after (days)" type="number" values={values} errors={errors} min={1} max={3650} hint="Leave empty for no expiry" />
            <fieldset>
              <legend>Organizations</legend>
              <p class="small muted">None ticked: all organizations you can see, now and later.</p>
              <div class="perm-grid">{orgs.map((o) => <label class="check"><input type="checkbox" name="orgIds" value={o.id} /> <span safe>{o.name}</span></label>)}</div>
            </fieldset>
            <fieldset>
              <legend>Permissions</legend>
              <p class="small muted">None ticked: everything you can do.</p>
              <div class="perm-grid">{permissions.map((p) => <Checkbox name="permissions" value={p} label={p} />)}</div>
            </fieldset>
            <Checkbox name="fleet" label="Fleet-wide actions (more than 50 devices at once)" checked={values?.fleet === true || values?.fleet === 'true'} hint="An API key cannot answer a two-factor prompt, so without this it is refused above 50 devices. Granting it needs a recent confirmation with your authenticator (/account/step-up)." />
            <button class="btn primary" type="submit">Create key</button>
          </form>
        </section>
      </div>
    </Layout>
  )
}

/** The step-up page: prove the second factor again before a fleet-wide action (or granting the fleet scope). */
export function StepUpPage({ page, errors, next, mfaEnabled, validMinutes, validUntil }: Base & { next: string; mfaEnabled: boolean; validMinutes: number; validUntil: number | null }) {
  return (
    <Layout page={page} title="Confirm it is you">
      <PageHeader title="Confirm it is you" subtitle={`Actions on more than 50 devices at once need a code from your authenticator app within the last ${validMinutes} minutes.`} />
      <section class="card stack" id="step-up">
        {!mfaEnabled
          ? (
            <div class="callout warn">
              <p>Fleet-wide actions need two-factor authentication, and your account does not use it yet.</p>
              <p><a class="btn primary" href="/account/mfa">Set up two-factor authentication</a></p>
            </div>
          )
          : (
            <form method="post" action="/account/step-up" class="stack">
              <Csrf token={page.csrf} />
              <input type="hidden" name="next" value={next} />
              {validUntil ? <p class="muted">Confirmed until <Time ms={validUntil} />.</p> : ''}
              <FormError errors={errors} />
              <Input name="code" label="Code" errors={errors} required autocomplete="one-time-code" inputmode="text" autofocus hint="The 6-digit code from your authenticator app, or one of your recovery codes." />
              <div><button class="btn primary" type="submit">Confirm</button></div>
            </form>
          )}
      </section>
    </Layout>
  )
}
