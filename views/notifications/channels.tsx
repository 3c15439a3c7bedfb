// Notification channels: list, editor (fields per type, secrets never shown), delivery log,
// "send test", and the one-time display of a generated webhook signing secret.
import type { ChannelView } from '../../src/notifications/channels'
import type { Delivery } from '../../src/notifications/channels-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Checkbox, Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

export type Owner = { value: string; label: string }

export const channelTypeLabels: Record<string, string> = {
  email: 'Email', slack: 'Slack', teams: 'Microsoft Teams', webhook: 'Webhook (JSON, signed)', pagerduty: 'PagerDuty', ntfy: 'ntfy', gotify: 'Gotify', sms: 'SMS (HTTP gateway)',
}

export function NotificationTabs({ current }: { current: 'channels' | 'policies' | 'inbox' }) {
  return (
    <nav class="tabs" aria-label="Notifications">
      <a href="/notifications/channels" aria-current={current === 'channels' ? 'page' : undefined}>Channels</a>
      <a href="/notifications/policies" aria-current={current === 'policies' ? 'page' : undefined}>Escalation policies</a>
      <a href="/notifications" aria-current={current === 'inbox' ? 'page' : undefined}>My notifications</a>
      <a href="/alerts">Alerts</a>
    </nav>
  )
}

function Health({ c }: { c: ChannelView }) {
  if (!c.enabled) return <span class="badge">disabled</span>
  if (c.consecutiveFailures > 0) return <span class="badge bad" title={c.lastError ?? ''}>failing</span>
  if (c.lastSuccessAt) return <span class="badge ok">working</span>
  return <span class="badge">not used yet</span>
}

export function ChannelsPage({ page, channels, ownerNames, canWrite }: { page: PageProps; channels: ChannelView[]; ownerNames: Record<string, string>; canWrite: boolean }) {
  return (
    <Layout page={page} title="Notification channels">
      <PageHeader title="Notification channels" subtitle="Where alerts are sent: email, chat, paging, push and SMS.">
        {canWrite ? <a class="btn primary" href="/notifications/channels/new">New channel</a> : ''}
      </PageHeader>
      <NotificationTabs current="channels" />
      <section class="card flush">
        {channels.length === 0
          ? <EmptyState title="No channels yet" text="Add an email list, a Slack or Teams webhook, PagerDuty, ntfy or Gotify, then pick it in alert rules." action={canWrite ? { href: '/notifications/channels/new', label: 'New channel' } : undefined} />
          : (
            <table>
              <thead><tr><th>Channel</th><th>Type</th><th>Owner</th><th>Health</th><th>Last delivery</th></tr></thead>
              <tbody>
                {channels.map((c) => (
                  <tr>
                    <td><a href={`/notifications/channels/${c.id}`} safe>{c.name}</a></td>
                    <td safe>{channelTypeLabels[c.type] ?? c.type}</td>
                    <td class="small" safe>{c.orgId ? ownerNames[c.orgId] ?? '' : `${ownerNames[c.partnerId] ?? 'partner'}: all organizations`}</td>
                    <td><Health c={c} /></td>
                    <td class="small"><Time ms={Math.max(c.lastSuccessAt ?? 0, c.lastFailureAt ?? 0) || null} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
    </Layout>
  )
}

function SecretInput({ name, label, set, errors, hint }: { name: string; label: string; set: boolean; errors?: FieldErrors; hint?: string }) {
  return <Input name={name} label={label} type="password" errors={errors} autocomplete="new-password" placeholder={set ? 'Stored: leave empty to keep it' : ''} hint={hint} />
}

export function ChannelFormPage({ page, channel, values, errors, owners, deliveries, canWrite, testResult }: {
  page: PageProps; channel: ChannelView | null; values: FormValues; errors?: FieldErrors; owners: Owner[]; deliveries: Delivery[]; canWrite: boolean
  testResult?: { ok: boolean; text: string }
}) {
  const set = new Set(channel?.secretsSet ?? [])
  const type = String(values.type ?? channel?.type ?? 'email')
  return (
    <Layout page={page} title={channel ? channel.name : 'New channel'}>
      <PageHeader title={channel ? channel.name : 'New notification channel'} subtitle={channel ? channelTypeLabels[channel.type] : undefined}>
        {channel && canWrite ? <PostButton action={`/notifications/channels/${channel.id}/test`} csrf={page.csrf} label="Send test" /> : ''}
        {channel && canWrite ? <PostButton action={`/notifications/channels/${channel.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this channel? Rules and policies using it stop sending here." /> : ''}
      </PageHeader>
      <NotificationTabs current="channels" />
      {testResult ? <div class={`callout ${testResult.ok ? '' : 'bad'}`} role="status" safe>{testResult.text}</div> : ''}
      {channel && channel.consecutiveFailures > 0 ? <div class="callout bad" safe>{`Deliveries are failing: ${channel.lastError ?? 'unknown error'}`}</div> : ''}
      <form method="post" action={channel ? `/notifications/channels/${channel.id}` : '/notifications/channels'} class="card stack form-narrow" x-data="switcher">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="name" label="Name" values={values} errors={errors} required />
        {channel ? '' : <Select name="owner" label="Owner" options={owners} values={values} errors={errors} hint="A partner's channels can be used by all of its organizations" />}
        {channel
          ? <select data-switch="" disabled aria-label="Type" hidden><option value={type} selected safe>{type}</option></select>
          : <Select name="type" label="Type" options={Object.entries(channelTypeLabels).map(([value, label]) => ({ value, label }))} value={type} errors={errors} switcher />}
        <div x-show={`is('email')`} x-cloak={type !== 'email' ? '' : undefined}>
          <Input name="config.to.email" label="Recipients" values={values} value={type === 'email' ? (values['config.to'] as string | undefined) : undefined} errors={errors} placeholder="oncall@example.com, boss@example.com" hint="Sent through the SMTP server under Settings → Email" />
        </div>
        <div x-show="is('slack') || is('teams')" x-cloak={type !== 'slack' && type !== 'teams' ? '' : undefined}>
          <SecretInput name="secrets.webhookUrl" label="Incoming webhook URL" set={set.has('webhookUrl')} errors={errors} hint="Slack: an Incoming Webhook. Teams: a Workflows 'post to a channel when a webhook request is received' URL." />
        </div>
        <div x-show="is('webhook')" x-cloak={type !== 'webhook' ? '' : undefined}>
          <Input name="config.url.webhook" label="URL" value={type === 'webhook' ? (values['config.url'] as string | undefined) : undefined} errors={errors} placeholder="https://example.com/breeze-hook" />
          <SecretInput name="secrets.signingSecret" label="Signing secret" set={set.has('signingSecret')} errors={errors} hint="Leave empty to have one generated (shown once). See docs/webhooks.md for the signature." />
        </div>
        <div x-show="is('pagerduty')" x-cloak={type !== 'pagerduty' ? '' : undefined}>
          <SecretInput name="secrets.routingKey" label="Integration (routing) key" set={set.has('routingKey')} errors={errors} hint="From a PagerDuty service's Events API v2 integration" />
          <Input name="config.url.pagerduty" label="Events API URL (optional)" value={type === 'pagerduty' ? (values['config.url'] as string | undefined) : undefined} errors={errors} placeholder="https://events.pagerduty.com/v2/enqueue" hint="EU accounts: https://events.eu.pagerduty.com/v2/enqueue" />
        </div>
        <div x-show="is('ntfy')" x-cloak={type !== 'ntfy' ? '' : undefined}>
          <Input name="config.url.ntfy" label="Server" value={type === 'ntfy' ? (values['config.url'] as string | undefined) : undefined} errors={errors} placeholder="https://ntfy.sh" />
          <Input name="config.topic" label="Topic" values={values} errors={errors} />
          <SecretInput name="secrets.token.ntfy" label="Access token (optional)" set={set.has('token')} errors={errors} />
        </div>
        <div x-show="is('gotify')" x-cloak={type !== 'gotify' ? '' : undefined}>
          <Input name="config.url.gotify" label="Server" value={type === 'gotify' ? (values['config.url'] as string | undefined) : undefined} errors={errors} placeholder="https://gotify.example.com" />
          <SecretInput name="secrets.token.gotify" label="Application token" set={set.has('token')} errors={errors} />
        </div>
        <div x-show="is('sms')" x-cloak={type !== 'sms' ? '' : undefined}>
          <Input name="config.url.sms" label="Gateway URL" value={type === 'sms' ? (values['config.url'] as string | undefined) : undefined} errors={errors} placeholder="https://api.example-sms.com/send" hint="May contain {{to}} and {{message}}" />
          <Input name="config.to.sms" label="Phone numbers" value={type === 'sms' ? (values['config.to'] as string | undefined) : undefined} errors={errors} placeholder="+15550100, +15550101" />
          <Select name="config.method" label="Method" options={[{ value: 'POST', label: 'POST' }, { value: 'GET', label: 'GET' }]} values={values} errors={errors} />
          <Select name="config.contentType" label="Body type" options={[{ value: 'application/json', label: 'JSON' }, { value: 'application/x-www-form-urlencoded', label: 'Form' }]} values={values} errors={errors} />
          <Input name="config.bodyTemplate" label="Body template" values={values} errors={errors} placeholder={'{"to":"{{to}}","text":"{{message}}"}'} hint="{{to}}, {{message}} and {{secret}} are filled in, escaped for the body type" />
          <Input name="config.authHeader" label="Auth header (optional)" values={values} errors={errors} placeholder="Authorization" />
          <Input name="config.authTemplate" label="Auth header value" values={values} errors={errors} placeholder="Bearer {{secret}}" />
          <SecretInput name="secrets.token.sms" label="Secret (API key)" set={set.has('token')} errors={errors} />
        </div>
        <Checkbox name="enabled" label="Enabled" checked={values.enabled !== false && values.enabled !== 'false'} />
        {canWrite ? <div class="row"><button class="btn primary" type="submit">{channel ? 'Save' : 'Create channel'}</button><a class="btn" href="/notifications/channels">Cancel</a></div> : ''}
      </form>
      {channel
        ? (
          <section class="card flush">
            <h2 class="card-title">Recent deliveries</h2>
            {deliveries.length === 0
              ? <p class="muted card-body">Nothing sent through this channel yet.</p>
              : (
                <table>
                  <thead><tr><th>When</th><th>For</th><th>Result</th><th>Attempts</th><th>Response</th></tr></thead>
                  <tbody>
                    {deliveries.map((d) => (
                      <tr>
                        <td class="small"><Time ms={d.createdAt} /></td>
                        <td class="small">{d.alertId ? <a href={`/alerts/${d.alertId}`} safe>{d.transition}</a> : 'test'}</td>
                        <td><span class={`badge ${d.status === 'sent' ? 'ok' : d.status === 'failed' ? 'bad' : 'info'}`}>{d.status}</span></td>
                        <td>{d.attempts}</td>
                        <td class="small mono" safe>{d.lastStatusCode ? String(d.lastStatusCode) : d.lastError?.slice(0, 160) ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
          </section>
        )
        : ''}
    </Layout>
  )
}

/** SecretOncePage shows a generated webhook signing secret, the only time it is ever shown. */
export function SecretOncePage({ page, channel, secret }: { page: PageProps; channel: ChannelView; secret: string }) {
  return (
    <Layout page={page} title="Signing secret">
      <PageHeader title={`Channel "${channel.name}" created`} />
      <section class="card stack form-narrow">
        <p>Copy this signing secret into the receiving system now. Breeze keeps it encrypted and <strong>will not show it again</strong>.</p>
        <div class="row"><code class="secret" id="signing-secret" safe>{secret}</code><button type="button" class="btn small" x-data="copy" data-copy="signing-secret" x-on:click="copy">Copy</button></div>
        <p class="small muted">Verify each request: HMAC-SHA256 of "timestamp.body" under this secret must equal the X-Breeze-Signature header (see docs/webhooks.md).</p>
        <a class="btn primary" href={`/notifications/channels/${channel.id}`}>Done</a>
      </section>
    </Layout>
  )
}
