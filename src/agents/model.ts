// Input shapes of the agents domain's user-facing API and forms (the agents' own messages are
// in src/protocol).
import { t } from 'elysia'

export const createEnrollmentKeyBody = t.Object({
  orgId: t.String({ minLength: 1, maxLength: 64, error: 'choose an organization' }),
  siteId: t.Optional(t.String({ maxLength: 64 })),
  groupId: t.Optional(t.String({ maxLength: 64 })),
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the key a name (1–200 characters)' }),
  /** Epoch milliseconds or an ISO date/time. */
  expiresAt: t.Optional(t.Union([t.Number({ minimum: 0 }), t.String({ maxLength: 40 })])),
  maxUses: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000, error: 'max uses is a whole number of at least 1' })),
})
export type CreateEnrollmentKeyInput = typeof createEnrollmentKeyBody.static

export const enrollmentKeyListQuery = t.Object({
  orgId: t.Optional(t.String({ maxLength: 64 })),
})

export const idParams = t.Object({ id: t.String({ maxLength: 64 }) })
