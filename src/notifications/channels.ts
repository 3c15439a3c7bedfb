// Notification channels: create and edit them (secrets sealed, never shown again), check each
// type's required settings, and "send test" through the real sender.
import type { UserActor } from '../auth/actor'
import { resolveOwner } from '../alerts/rules'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { randomToken } from '../lib/crypto'
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors'
import { newId } from '../lib/ids'
import { can, canInPartner, type Scope } from '../tenancy/scope'
import { findChannel, insertAttempt, insertChannel, insertDeliveryOnce, listDeliveriesOfChannel, listVisibleChannels, updateChannelRow, updateDeliveryRow, type Channel, type Delivery } from './channels-repo'
import { markChannelHealthy } from './dispatch'
import type { AlertMessage } from './message'
import type { CreateChannelInput, UpdateChannelInput } from './model'
import { canSeeOwned, ownerVisibility } from './owners'
import { openSecrets, sealSecrets, secretNames } from './secrets'
import { send, type SendResult } from './senders'
import type { ChannelConfig, ChannelSecrets, ChannelType } from './types'
import { publicLink } from '../settings/public-url'

type Ctx = AppContext

/** What pages and the API show of a channel: never the sealed secrets, only which are set. */
export type ChannelView = Omit<Channel, 'secretsSealed'> & { secretsSet: string[] }

export function channelView(ctx: Pick<AppContext, 'secrets'>, c: Channel): ChannelView {
  const { secretsSealed: _, ...rest } = c
  return { ...rest, secretsSet: secretNames(ctx, c) }
}

export function canEditChannel(scope: Scope, c: Pick<Channel, 'orgId' | 'partnerId'>): boolean {
  return c.orgId ? can(scope, 'notifications:write', c.orgId) : canInPartner(scope, 'notifications:write', c.partnerId)
}

const emailPattern = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/
const phonePattern = /^\+?[0-9][0-9 ()-]{4,24}$/

/** checkSettings keeps the settings a channel type uses and requires the ones it needs. */
function checkSettings(type: ChannelType, config: ChannelConfig, secrets: ChannelSecrets): { config: ChannelConfig; secrets: ChannelSecrets } {
  const needConfig = <K extends keyof ChannelConfig>(k: K, what: string) => {
    const v = config[k]
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) throw new ValidationError(`config/${k}`, `a ${type} channel needs ${what}`)
    return v as NonNullable<ChannelConfig[K]>
  }
  const needSecret = (k: keyof ChannelSecrets, what: string) => {
    if (!secrets[k]) throw new ValidationError(`secrets/${k}`, `a ${type} channel needs ${what}`)
    return secrets[k]!
  }
  switch (type) {
    case 'email': {
      const to = needConfig('to', 'at least one recipient')
      to.forEach((a, i) => { if (!emailPattern.test(a)) throw new ValidationError(`config/to/${i}`, `"${a}" is not an email address`) })
      return { config: { to }, secrets: {} }
    }
    case 'slack': case 'teams':
      return { config: {}, secrets: { webhookUrl: needSecret('webhookUrl', 'its incoming webhook URL') } }
    case 'webhook':
      return { config: { url: needConfig('url', 'a URL') }, secrets: { signingSecret: needSecret('signingSecret', 'a signing secret') } }
    case 'pagerduty':
      return { config: config.url ? { url: config.url } : {}, secrets: { routingKey: needSecret('routingKey', 'an Events API v2 integration (routing) key') } }
    case 'ntfy':
      return { config: { topic: needConfig('topic', 'a topic'), ...(config.url ? { url: config.url } : {}) }, secrets: secrets.token ? { token: secrets.token } : {} }
    case 'gotify':
      return { config: { url: needConfig('url', 'the Gotify server URL') }, secrets: { token: needSecret('token', 'an application token') } }
    case 'sms': {
      const to = needConfig('to', 'at least one phone number')
      to.forEach((n, i) => { if (!phonePattern.test(n)) throw new ValidationError(`config/to/${i}`, `"${n}" is not a phone number`) })
      const method = config.method ?? 'POST'
      if (method === 'GET' && !/\{\{\s*message\s*\}\}/.test(config.url ?? '')) throw new ValidationError('config/url', 'a GET gateway URL must contain {{message}} (and usually {{to}})')
      return {
        config: {
          url: needConfig('url', 'the gateway URL'), to, method, contentType: config.contentType ?? 'application/json',
          ...(config.bodyTemplate ? { bodyTemplate: config.bodyTemplate } : {}), ...(config.authHeader ? { authHeader: config.authHeader, authTemplate: config.authTemplate || '{{secret}}' } : {}),
        },
        secrets: secrets.token ? { token: secrets.token } : {},
      }
    }
  }
}

export async function listChannels(ctx: Ctx, actor: UserActor, orgId?: string): Promise<ChannelView[]> {
  return (await listVisibleChannels(ctx.db, ownerVisibility(actor.scope, 'notifications:read'), orgId)).map((c) => channelView(ctx, c))
}

async function visibleChannel(ctx: Ctx, actor: UserActor, id: string): Promise<Channel> {
  const c = await findChannel(ctx.db, id)
  if (!c || !canSeeOwned(ownerVisibility(actor.scope, 'notifications:read'), c)) throw new NotFoundError('notification channel')
  return c
}

async function editableChannel(ctx: Ctx, actor: UserActor, id: string): Promise<Channel> {
  const c = await visibleChannel(ctx, actor, id)
  if (!canEditChannel(actor.scope, c)) throw new ForbiddenError('you need the notifications:write permission for this channel', 'notifications:write')
  return c
}

export async function getChannel(ctx: Ctx, actor: UserActor, id: string): Promise<ChannelView> {
  return channelView(ctx, await visibleChannel(ctx, actor, id))
}

/** createChannel; for webhooks without a signing secret one is generated and returned this once. */
export async function createChannel(ctx: Ctx, actor: UserActor, input: CreateChannelInput): Promise<{ channel: ChannelView; signingSecret: string | null }> {
  const owner = resolveOwner(actor, input, 'notifications:write')
  const generated = input.type === 'webhook' && !input.secrets?.signingSecret ? randomToken(24) : null
  const settings = checkSettings(input.type, input.config ?? {}, { ...input.secrets, ...(generated ? { signingSecret: generated } : {}) })
  const now = ctx.clock.now()
  const row: Channel = {
    id: newId(), ...owner, name: input.name.trim(), type: input.type, config: settings.config, secretsSealed: sealSecrets(ctx, settings.secrets), enabled: input.enabled ?? true,
    consecutiveFailures: 0, lastSuccessAt: null, lastFailureAt: null, lastError: null, createdBy: actor.user.id, createdAt: now, updatedAt: now, deletedAt: null,
  }
  await withTx(ctx.db, async (tx) => {
    await insertChannel(tx, row)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'notification_channel.create', partnerId: row.partnerId, orgId: row.orgId, resourceType: 'notification_channel', resourceId: row.id, resourceName: row.name, details: { type: row.type, config: row.config, secrets: Object.keys(settings.secrets) } })
  })
  return { channel: channelView(ctx, row), signingSecret: generated }
}

export async function updateChannel(ctx: Ctx, actor: UserActor, id: string, input: UpdateChannelInput): Promise<ChannelView> {
  const c = await editableChannel(ctx, actor, id)
  const previousSecrets = openSecrets(ctx, c)
  const givenSecrets = Object.fromEntries(Object.entries(input.secrets ?? {}).filter(([, v]) => v)) as ChannelSecrets
  const settings = checkSettings(c.type, input.config ? { ...input.config } : c.config, { ...previousSecrets, ...givenSecrets })
  const next: Channel = { ...c, name: input.name?.trim() ?? c.name, enabled: input.enabled ?? c.enabled, config: settings.config, secretsSealed: sealSecrets(ctx, settings.secrets), updatedAt: ctx.clock.now() }
  await withTx(ctx.db, async (tx) => {
    await updateChannelRow(tx, id, next)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'notification_channel.update', partnerId: c.partnerId, orgId: c.orgId, resourceType: 'notification_channel', resourceId: id, resourceName: next.name, details: { config: next.config, secretsChanged: Object.keys(givenSecrets), enabled: next.enabled } })
  })
  return channelView(ctx, next)
}

export async function deleteChannel(ctx: Ctx, actor: UserActor, id: string) {
  const c = await editableChannel(ctx, actor, id)
  await withTx(ctx.db, async (tx) => {
    await updateChannelRow(tx, id, { deletedAt: ctx.clock.now(), enabled: false })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'notification_channel.delete', partnerId: c.partnerId, orgId: c.orgId, resourceType: 'notification_channel', resourceId: id, resourceName: c.name })
  })
}

export async function channelDeliveries(ctx: Ctx, actor: UserActor, id: string): Promise<Delivery[]> {
  await visibleChannel(ctx, actor, id)
  return listDeliveriesOfChannel(ctx.db, id)
}

/** testChannel sends a test message now and logs it like any delivery. */
export async function testChannel(ctx: Ctx, actor: UserActor, id: string): Promise<SendResult> {
  const c = await editableChannel(ctx, actor, id)
  const now = ctx.clock.now()
  const deliveryId = newId()
  await insertDeliveryOnce(ctx.db, {
    id: deliveryId, orgId: c.orgId, alertId: null, channelId: c.id, channelName: c.name, channelType: c.type, transition: `test:${deliveryId}`, status: 'pending',
    attempts: 1, lastStatusCode: null, lastError: null, createdAt: now, sentAt: null, finishedAt: null,
  })
  const message: AlertMessage = {
    event: 'test', deliveryId, escalationStep: null, sentAt: now, url: await publicLink(ctx, `/notifications/channels/${c.id}`, c.partnerId),
    alert: {
      id: `test-${deliveryId}`, title: `Test notification for "${c.name}"`, message: `${actor.user.name} sent this test from Breeze. If you can read it, the ${c.type} channel works.`,
      severity: 'info', status: 'active', kind: 'test', subject: '', triggeredAt: now, acknowledgedAt: null, resolvedAt: null, values: {}, resolvingValues: null, ruleId: null, ruleName: null, note: null,
    },
    device: null, org: null, site: null,
  }
  const started = performance.now()
  const result = await send(ctx, { type: c.type, config: c.config, secrets: openSecrets(ctx, c) }, message)
  const durationMs = Math.round(performance.now() - started)
  await withTx(ctx.db, async (tx) => {
    await insertAttempt(tx, { id: newId(), deliveryId, at: ctx.clock.now(), ok: result.ok, statusCode: result.statusCode, error: result.error, durationMs })
    await updateDeliveryRow(tx, deliveryId, { status: result.ok ? 'sent' : 'failed', lastStatusCode: result.statusCode, lastError: result.error, sentAt: result.ok ? ctx.clock.now() : null, finishedAt: ctx.clock.now() })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'notification_channel.test', result: result.ok ? 'success' : 'failure', partnerId: c.partnerId, orgId: c.orgId, resourceType: 'notification_channel', resourceId: c.id, resourceName: c.name, errorMessage: result.error ?? undefined })
  })
  if (result.ok) await markChannelHealthy(ctx, c)
  return result
}
