// Input shapes of the agents domain's user-facing API and forms (the agents' own messages are
// in src/protocol).
import { t } from 'elysia'
import { epochMs, int } from '../web/model-types'

export const createEnrollmentKeyBody = t.Object({
  orgId: t.String({ minLength: 1, maxLength: 64, error: 'choose an organization' }),
  siteId: t.Optional(t.String({ maxLength: 64 })),
  groupId: t.Optional(t.String({ maxLength: 64 })),
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the key a name (1–200 characters)' }),
  /** Epoch milliseconds or an ISO date/time. */
  expiresAt: t.Optional(t.Union([epochMs(), t.String({ maxLength: 40 })])),
  maxUses: t.Optional(int({ minimum: 1, maximum: 1_000_000, error: 'max uses is a whole number of at least 1' })),
  /**
   * A machine already enrolled in the org that enrolls again while its device is offline
   * beyond its window re-attaches to the device without approval. Default off: every
   * re-enrollment of a known machine waits for a technician.
   */
  allowReattach: t.Optional(t.Boolean()),
})
export type CreateEnrollmentKeyInput = typeof createEnrollmentKeyBody.static

export const enrollmentKeyListQuery = t.Object({
  orgId: t.Optional(t.String({ maxLength: 64 })),
})

export const idParams = t.Object({ id: t.String({ maxLength: 64 }) })

export const enrollmentRequestListQuery = t.Object({
  orgId: t.Optional(t.String({ maxLength: 64 })),
  /** open: only requests still waiting for a decision (default); all: also decided and expired ones. */
  state: t.Optional(t.Union([t.Literal('open'), t.Literal('all')])),
})

export const approveRequestBody = t.Object({
  /** replace: the new agent takes the device over; clone: keep both, the new one as a separate device marked as a clone. */
  mode: t.Union([t.Literal('replace'), t.Literal('clone')], { error: 'mode is replace or clone' }),
})
