// Input shapes of the auth domain (HTML forms and JSON API alike).
import { t } from 'elysia'
import { int } from '../web/model-types'

const email = t.String({ format: 'email', maxLength: 254, error: 'must be a valid email address' })
const password = t.String({ minLength: 1, maxLength: 256, error: 'password is required' })
const code = t.String({ minLength: 6, maxLength: 32, error: 'enter the 6-digit code or a recovery code' })

export const loginBody = t.Object({ email, password, next: t.Optional(t.String({ maxLength: 500 })) })
export const mfaCodeBody = t.Object({ code, next: t.Optional(t.String({ maxLength: 500 })) })
export const passwordConfirmBody = t.Object({ password })
/** Turning MFA on: the code from the new authenticator and the current password (a session alone is not enough). */
export const enableMfaBody = t.Object({ code, password })
export const changePasswordBody = t.Object({ currentPassword: password, newPassword: password })
export const forgotPasswordBody = t.Object({ email })
export const resetPasswordBody = t.Object({ token: t.String({ minLength: 10, maxLength: 200 }), password })
export const acceptInviteBody = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }), password })
export const profileBody = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }) })
export const setupBody = t.Object({
  token: t.Optional(t.String({ maxLength: 200 })),
  partnerName: t.String({ minLength: 1, maxLength: 200 }),
  name: t.String({ minLength: 1, maxLength: 200 }),
  email,
  password,
  /** The URL people and agents reach Breeze at (proposed from the browser, confirmed by the administrator). */
  publicUrl: t.Optional(t.String({ maxLength: 500 })),
})
export type SetupInput = typeof setupBody.static

export const createApiKeyBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 100 }),
  /** Omitted: every permission the creator has. */
  permissions: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 200 })),
  /** Omitted or null: every org the creator can see, now and later. */
  orgIds: t.Optional(t.Union([t.Array(t.String({ maxLength: 64 }), { maxItems: 10_000 }), t.Null()])),
  expiresInDays: t.Optional(int({ minimum: 1, maximum: 3650 })),
  /** May act on more than 50 devices at once (an API key cannot step up); creating one needs a recent step-up. */
  fleet: t.Optional(t.Boolean()),
})
export type CreateApiKeyInput = typeof createApiKeyBody.static
/** Step-up: a TOTP or recovery code; `next` is where the page returns to. */
export const stepUpBody = t.Object({ code, next: t.Optional(t.String({ maxLength: 2000 })) })
export const switchOrgBody = t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })) })
