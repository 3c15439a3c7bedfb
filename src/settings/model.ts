// Appliance settings: their shapes, defaults and input schemas.
import { t } from 'elysia'
import { int } from '../web/model-types'

export const securityDefaults = {
  sessionIdleMinutes: 12 * 60,
  sessionMaxHours: 7 * 24,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
}
export type SecuritySettings = typeof securityDefaults

export const securityBody = t.Object({
  sessionIdleMinutes: int({ minimum: 5, maximum: 60 * 24 * 30 }),
  sessionMaxHours: int({ minimum: 1, maximum: 24 * 365 }),
  lockoutThreshold: int({ minimum: 3, maximum: 100 }),
  lockoutMinutes: int({ minimum: 1, maximum: 24 * 60 }),
})

/**
 * Fleet-wide actions (more than the confirmation threshold of devices, src/auth/fleet-guard.ts):
 * how recent the second factor must be, and how many such actions a tenant may start per
 * rolling hour (each organization, and each partner across its organizations).
 */
export const fleetDefaults = { stepUpMinutes: 10, orgActionsPerHour: 10, partnerActionsPerHour: 30 }
export type FleetSettings = typeof fleetDefaults
export const fleetBody = t.Object({
  stepUpMinutes: int({ minimum: 1, maximum: 240, error: 'stepUpMinutes must be between 1 and 240' }),
  orgActionsPerHour: int({ minimum: 1, maximum: 1000, error: 'orgActionsPerHour must be between 1 and 1000' }),
  partnerActionsPerHour: int({ minimum: 1, maximum: 10_000, error: 'partnerActionsPerHour must be between 1 and 10000' }),
})

export const auditDefaults = { retentionDays: 365 }
export type AuditSettings = typeof auditDefaults
export const auditSettingsBody = t.Object({ retentionDays: int({ minimum: 7, maximum: 3650 }) })

/** Script output kept per execution: inline on the row (fast pages) and in total (blob). */
export const scriptOutputDefaults = { inlineKiB: 1024, maxMiB: 10 }
export type ScriptOutputSettings = typeof scriptOutputDefaults
export const scriptOutputBody = t.Object({
  inlineKiB: int({ minimum: 16, maximum: 16 * 1024 }),
  maxMiB: int({ minimum: 1, maximum: 1024 }),
})

/** SMTP settings as stored; the password is sealed with the data-dir key. */
export type SmtpSettings = {
  host: string
  port: number
  security: 'tls' | 'starttls' | 'none'
  username: string | null
  passwordSealed: string | null
  from: string
}

export const smtpBody = t.Object({
  host: t.String({ minLength: 1, maxLength: 255 }),
  port: int({ minimum: 1, maximum: 65535 }),
  security: t.Union([t.Literal('tls'), t.Literal('starttls'), t.Literal('none')]),
  username: t.Optional(t.String({ maxLength: 255 })),
  /** Empty or absent keeps the stored password. */
  password: t.Optional(t.String({ maxLength: 1024 })),
  clearPassword: t.Optional(t.Boolean()),
  from: t.String({ format: 'email', maxLength: 255 }),
})

export const publicUrlBody = t.Object({ url: t.String({ minLength: 1, maxLength: 500, error: 'give the URL people and agents reach Breeze at' }) })

/** Outbound requests to user-given URLs (see src/net/outbound.ts): what is allowed beyond public addresses. */
export const outboundBody = t.Object({
  allowPrivate: t.Boolean(),
  allowAddresses: t.Array(t.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, error: 'list at most 50 addresses' }),
})
/** The form: a checkbox and one address per line. */
export const outboundForm = t.Object({
  allowPrivate: t.Optional(t.Boolean()),
  allowAddresses: t.Optional(t.String({ maxLength: 4000 })),
})

export const testEmailBody = t.Object({ to: t.String({ format: 'email', maxLength: 255 }) })
