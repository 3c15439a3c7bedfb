// Input shapes of the notifications domain (forms and JSON API).
import { t } from 'elysia'
import { channelTypes } from './types'

const lit = <const T extends string>(values: readonly T[], error?: string) => t.Union(values.map((v) => t.Literal(v)), error ? { error } : {})
const id = t.String({ minLength: 1, maxLength: 64 })
const url = t.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$', error: 'must be an http:// or https:// URL' })

export const channelConfigBody = t.Object({
  to: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 254 }), { maxItems: 50 })),
  url: t.Optional(url),
  topic: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', error: 'ntfy topics are letters, digits, _ and -' })),
  method: t.Optional(lit(['POST', 'GET'], 'method must be POST or GET')),
  contentType: t.Optional(lit(['application/json', 'application/x-www-form-urlencoded'], 'contentType must be application/json or application/x-www-form-urlencoded')),
  bodyTemplate: t.Optional(t.String({ maxLength: 4000 })),
  authHeader: t.Optional(t.String({ maxLength: 100, pattern: '^[A-Za-z0-9-]+$', error: 'a header name is letters, digits and -' })),
  authTemplate: t.Optional(t.String({ maxLength: 500 })),
})

export const channelSecretsBody = t.Object({
  webhookUrl: t.Optional(url),
  signingSecret: t.Optional(t.String({ minLength: 16, maxLength: 200, error: 'the signing secret must be at least 16 characters' })),
  routingKey: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  token: t.Optional(t.String({ minLength: 1, maxLength: 500 })),
})

export const createChannelBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  type: lit(channelTypes, `type must be one of ${channelTypes.join(', ')}`),
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
  enabled: t.Optional(t.Boolean()),
  config: t.Optional(channelConfigBody),
  secrets: t.Optional(channelSecretsBody),
})
export type CreateChannelInput = typeof createChannelBody.static

export const updateChannelBody = t.Object({
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  enabled: t.Optional(t.Boolean()),
  config: t.Optional(channelConfigBody),
  /** Only the secrets given are replaced; the others are kept. */
  secrets: t.Optional(channelSecretsBody),
})
export type UpdateChannelInput = typeof updateChannelBody.static

export const escalationStepBody = t.Object({
  delayMinutes: t.Number({ minimum: 0, maximum: 7 * 24 * 60, error: 'delay must be between 0 and 10080 minutes' }),
  channelIds: t.Optional(t.Array(id, { maxItems: 20 })),
  userIds: t.Optional(t.Array(id, { maxItems: 50 })),
})

export const createPolicyBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  orgId: t.Optional(id),
  partnerId: t.Optional(id),
  steps: t.Array(escalationStepBody, { minItems: 1, maxItems: 10, error: 'give between 1 and 10 steps' }),
})
export type CreatePolicyInput = typeof createPolicyBody.static

export const updatePolicyBody = t.Object({
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  description: t.Optional(t.String({ maxLength: 2000 })),
  steps: t.Optional(t.Array(escalationStepBody, { minItems: 1, maxItems: 10, error: 'give between 1 and 10 steps' })),
})
export type UpdatePolicyInput = typeof updatePolicyBody.static

export const markReadBody = t.Object({
  ids: t.Optional(t.Array(id, { maxItems: 500 })),
  all: t.Optional(t.Boolean()),
})
