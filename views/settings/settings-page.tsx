// Appliance settings (platform admins): email, sign-in policy, audit retention, script output.
import type { AuditSettings, FleetSettings, ScriptOutputSettings, SecuritySettings, SmtpSettings } from '../../src/settings/model'
import type { PublicUrl } from '../../src/settings/public-url'
import type { OutboundPolicy } from '../../src/net/outbound'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Checkbox, Csrf, FormError, Input, Select, Textarea } from '../components/form'
import { Layout } from '../layout'

export type SettingsErrors = { smtp?: FieldErrors; test?: FieldErrors; security?: FieldErrors; audit?: FieldErrors; scripts?: FieldErrors; fleet?: FieldErrors; publicUrl?: FieldErrors; outbound?: FieldErrors }

export function SettingsPage({ page, publicUrl, outbound, smtp, security, audit, scripts, fleet, errors, values, testResult, version, database }: {
  page: PageProps
  publicUrl: PublicUrl
  outbound: OutboundPolicy
  smtp: SmtpSettings | null
  security: SecuritySettings
  audit: AuditSettings
  scripts: ScriptOutputSettings
  fleet: FleetSettings
  errors?: SettingsErrors
  values?: { smtp?: FormValues; security?: FormValues; audit?: FormValues; scripts?: FormValues; fleet?: FormValues; publicUrl?: FormValues; outbound?: FormValues }
  testResult?: { ok: boolean; message: string }
  version: string
  database: string
}) {
  const smtpValues = values?.smtp ?? (smtp ? { ...smtp, username: smtp.username ?? '' } : { port: 587, security: 'starttls' })
  return (
    <Layout page={page} title="Settings">
      <PageHeader title="Settings" subtitle={`Breeze ${version} · ${database}`} />
      <section class="card" id="public-url">
        <h2>Public URL</h2>
        <p class="muted small">Where people and agents reach Breeze. Password-reset and invitation links, notification links and the install commands use it — never the address a request came in on.</p>
        {publicUrl.warning ? <div class="callout warn" role="alert" safe>{publicUrl.warning}</div> : ''}
        {publicUrl.fixed
          ? <p>Set by <code>BREEZE_PUBLIC_URL</code> / <code>--public-url</code> to <code safe>{publicUrl.url}</code>; change it there and restart.</p>
          : (
            <form method="post" action="/settings/public-url">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.publicUrl} />
              <Input name="url" label="Public URL" type="url" values={values?.publicUrl ?? { url: publicUrl.url }} errors={errors?.publicUrl} required placeholder="https://rmm.example.com" />
              <button class="btn primary" type="submit">Save public URL</button>
            </form>
          )}
      </section>
      <div class="grid-2">
        <section class="card" id="smtp">
          <h2>Email (SMTP)</h2>
          <p class="muted small">Used for invitations, password resets and alert emails.</p>
          <form method="post" action="/settings/smtp">
            <Csrf token={page.csrf} />
            <FormError errors={errors?.smtp} />
            <div class="grid-2">
              <Input name="host" label="Host" values={smtpValues} errors={errors?.smtp} required placeholder="smtp.example.com" />
              <Input name="port" label="Port" type="number" values={smtpValues} errors={errors?.smtp} required min={1} max={65535} />
            </div>
            <Select name="security" label="Encryption" options={[{ value: 'starttls', label: 'STARTTLS (port 587)' }, { value: 'tls', label: 'TLS (port 465)' }, { value: 'none', label: 'None (local relay only)' }]} values={smtpValues} errors={errors?.smtp} />
            <Input name="username" label="Username" values={smtpValues} errors={errors?.smtp} autocomplete="off" />
            <Input name="password" label="Password" type="password" errors={errors?.smtp} autocomplete="new-password" hint={smtp?.passwordSealed ? 'A password is stored (never shown). Leave empty to keep it.' : 'Stored encrypted; never shown again.'} />
            {smtp?.passwordSealed ? <Checkbox name="clearPassword" label="Remove the stored password" /> : ''}
            <Input name="from" label="From address" type="email" values={smtpValues} errors={errors?.smtp} required placeholder="breeze@example.com" />
            <button class="btn primary" type="submit">Save email settings</button>
          </form>
          {smtp
            ? (
              <form method="post" action="/settings/smtp/test">
                <Csrf token={page.csrf} />
                <h3>Send a test email</h3>
                {testResult ? <div class={testResult.ok ? 'callout' : 'callout bad'} safe>{testResult.message}</div> : ''}
                <Input name="to" label="To" type="email" value={page.user.email} errors={errors?.test} required />
                <button class="btn" type="submit">Send test email</button>
              </form>
            )
            : ''}
        </section>
        <div class="stack">
          <section class="card" id="security">
            <h2>Sign-in policy</h2>
            <form method="post" action="/settings/security">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.security} />
              <div class="grid-2">
                <Input name="sessionIdleMinutes" label="Idle timeout (minutes)" type="number" values={values?.security ?? security} errors={errors?.security} min={5} />
                <Input name="sessionMaxHours" label="Session lifetime (hours)" type="number" values={values?.security ?? security} errors={errors?.security} min={1} />
              </div>
              <div class="grid-2">
                <Input name="lockoutThreshold" label="Lock after failed attempts" type="number" values={values?.security ?? security} errors={errors?.security} min={3} />
                <Input name="lockoutMinutes" label="Lockout (minutes)" type="number" values={values?.security ?? security} errors={errors?.security} min={1} />
              </div>
              <button class="btn primary" type="submit">Save sign-in policy</button>
            </form>
          </section>
          <section class="card" id="audit">
            <h2>Audit log retention</h2>
            <form method="post" action="/settings/audit">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.audit} />
              <Input name="retentionDays" label="Keep entries for (days)" type="number" values={values?.audit ?? audit} errors={errors?.audit} min={7} max={3650} hint="Older entries are deleted daily; the hash chain stays verifiable." />
              <button class="btn primary" type="submit">Save retention</button>
            </form>
          </section>
          <section class="card" id="metrics">
            <h2>Device metrics</h2>
            <p class="muted small">How long raw samples and hourly and daily roll-ups are kept.</p>
            <a class="btn" href="/settings/metrics">Metric retention</a>
          </section>
          <section class="card" id="outbound">
            <h2>Outbound requests</h2>
            <p class="muted small">Webhooks, Slack, Teams, ntfy, Gotify, SMS gateways and PagerDuty are reached only at public addresses. Loopback, link-local (cloud metadata) and private addresses are refused unless allowed here.</p>
            <form method="post" action="/settings/outbound">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.outbound} />
              <Checkbox name="allowPrivate" label="Allow private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)" checked={values?.outbound ? values.outbound.allowPrivate === 'true' : outbound.allowPrivate} hint="For ntfy, Gotify or a webhook receiver on your LAN." />
              <Textarea name="allowAddresses" label="Also allow these exact addresses" rows={3} values={values?.outbound ?? { allowAddresses: outbound.allowAddresses.join('\n') }} errors={errors?.outbound} hint="One IP address per line, e.g. 127.0.0.1 for a receiver on this server. Loopback and link-local addresses are reachable only when listed." />
              <button class="btn primary" type="submit">Save outbound rules</button>
            </form>
          </section>
          <section class="card" id="scripts">
            <h2>Script output</h2>
            <form method="post" action="/settings/scripts">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.scripts} />
              <Input name="inlineKiB" label="Shown on the page (KiB)" type="number" values={values?.scripts ?? scripts} errors={errors?.scripts} min={16} max={16384} hint="The first part of each run's output, kept with the run for fast pages." />
              <Input name="maxMiB" label="Kept in total (MiB)" type="number" values={values?.scripts ?? scripts} errors={errors?.scripts} min={1} max={1024} hint="The full output is stored up to this size, then cut with a marker." />
              <button class="btn primary" type="submit">Save output limits</button>
            </form>
          </section>
          <section class="card" id="fleet">
            <h2>Fleet-wide actions</h2>
            <p class="small muted">Actions on more than 50 devices at once (script runs, bulk decommission, move, maintenance): the user must have confirmed a code from their authenticator recently, users without two-factor authentication and API keys without the fleet scope are refused, and each tenant may start only so many per hour. Automations and policies are not limited.</p>
            <form method="post" action="/settings/fleet">
              <Csrf token={page.csrf} />
              <FormError errors={errors?.fleet} />
              <Input name="stepUpMinutes" label="A confirmation counts for (minutes)" type="number" values={values?.fleet ?? fleet} errors={errors?.fleet} min={1} max={240} hint="Signing in with a code counts as a confirmation too." />
              <div class="grid-2">
                <Input name="orgActionsPerHour" label="Per organization, per hour" type="number" values={values?.fleet ?? fleet} errors={errors?.fleet} min={1} max={1000} />
                <Input name="partnerActionsPerHour" label="Per partner (all its organizations), per hour" type="number" values={values?.fleet ?? fleet} errors={errors?.fleet} min={1} max={10000} />
              </div>
              <button class="btn primary" type="submit">Save fleet rules</button>
            </form>
          </section>
        </div>
      </div>
    </Layout>
  )
}
