// Reading and changing appliance settings. Only platform admins change them.
import type { AppContext } from '../context'
import { recordAudit, type AuditActor } from '../audit/service'
import { withDb } from '../context'
import { withTx } from '../db/tx'
import { AppError, ForbiddenError, ValidationError } from '../lib/errors'
import { normalizeAddress, type OutboundPolicy } from '../net/outbound'
import type { Scope } from '../tenancy/scope'
import { auditDefaults, fleetDefaults, scriptOutputDefaults, securityDefaults, type AuditSettings, type FleetSettings, type ScriptOutputSettings, type SecuritySettings, type SmtpSettings } from './model'
import { findSetting, upsertSetting } from './repo'

type Ctx = Pick<AppContext, 'db' | 'clock' | 'secrets' | 'events' | 'keys'>

export function requirePlatformAdmin(scope: Scope) {
  if (!scope.platformAdmin) throw new ForbiddenError('only platform administrators can change appliance settings')
}

export async function getSecuritySettings(ctx: Pick<Ctx, 'db'>): Promise<SecuritySettings> {
  return { ...securityDefaults, ...((await findSetting(ctx.db, 'security')) as Partial<SecuritySettings> | undefined) }
}

/** getFleetSettings: step-up validity and the per-tenant rate limit of fleet-wide actions. */
export async function getFleetSettings(ctx: Pick<Ctx, 'db'>): Promise<FleetSettings> {
  return { ...fleetDefaults, ...((await findSetting(ctx.db, 'fleet')) as Partial<FleetSettings> | undefined) }
}

export async function getAuditSettings(ctx: Pick<Ctx, 'db'>): Promise<AuditSettings> {
  return { ...auditDefaults, ...((await findSetting(ctx.db, 'audit')) as Partial<AuditSettings> | undefined) }
}

export async function getScriptOutputSettings(ctx: Pick<Ctx, 'db'>): Promise<ScriptOutputSettings> {
  return { ...scriptOutputDefaults, ...((await findSetting(ctx.db, 'scripts')) as Partial<ScriptOutputSettings> | undefined) }
}

/** getOutboundPolicy is what outboundFetch allows beyond public addresses (strict until a platform admin changes it). */
export async function getOutboundPolicy(ctx: Pick<Ctx, 'db'>): Promise<OutboundPolicy> {
  const v = (await findSetting(ctx.db, 'outbound')) as Partial<OutboundPolicy> | undefined
  return { allowPrivate: v?.allowPrivate === true, allowAddresses: Array.isArray(v?.allowAddresses) ? v.allowAddresses : [] }
}

/**
 * updateOutboundPolicy lets private networks and/or listed addresses receive requests to
 * user-given URLs (audited with what changed). Entries must be exact IP addresses.
 */
export async function updateOutboundPolicy(ctx: Ctx, scope: Scope, actor: AuditActor, input: OutboundPolicy): Promise<OutboundPolicy> {
  requirePlatformAdmin(scope)
  const allowAddresses: string[] = []
  for (const [i, raw] of input.allowAddresses.entries()) {
    const address = normalizeAddress(raw)
    if (!address) throw new ValidationError(`allowAddresses/${i}`, `"${raw.slice(0, 64)}" is not an IP address (list exact addresses such as 192.168.1.20 or fd00::20, one per line)`)
    if (!allowAddresses.includes(address)) allowAddresses.push(address)
  }
  const value: OutboundPolicy = { allowPrivate: input.allowPrivate, allowAddresses }
  const before = await getOutboundPolicy(ctx)
  await withTx(ctx.db, async (tx) => {
    await upsertSetting(tx, 'outbound', value, ctx.clock.now())
    await recordAudit(withDb(ctx as AppContext, tx), actor, { action: 'settings.outbound.update', resourceType: 'settings', resourceName: 'outbound', details: { before: { ...before }, after: { ...value } } })
  })
  return value
}

export async function getSmtpSettings(ctx: Pick<Ctx, 'db'>): Promise<SmtpSettings | null> {
  return ((await findSetting(ctx.db, 'smtp')) as SmtpSettings | undefined) ?? null
}

/** updateSettings stores one settings group and audits the change (never the secret values). */
export async function updateSettings(ctx: Ctx, scope: Scope, actor: AuditActor, key: 'security' | 'audit' | 'scripts' | 'fleet', value: SecuritySettings | AuditSettings | ScriptOutputSettings | FleetSettings) {
  requirePlatformAdmin(scope)
  await withTx(ctx.db, async (tx) => {
    await upsertSetting(tx, key, value, ctx.clock.now())
    await recordAudit(withDb(ctx as AppContext, tx), actor, { action: `settings.${key}.update`, resourceType: 'settings', resourceName: key, details: { ...value } })
  })
}

export type SmtpInput = { host: string; port: number; security: SmtpSettings['security']; username?: string; password?: string; clearPassword?: boolean; from: string }

/** updateSmtp stores SMTP settings; an empty password keeps the stored one (it is never shown). */
export async function updateSmtp(ctx: Ctx, scope: Scope, actor: AuditActor, input: SmtpInput) {
  requirePlatformAdmin(scope)
  const previous = await getSmtpSettings(ctx)
  const passwordSealed = input.clearPassword ? null : input.password ? ctx.secrets.seal(input.password) : previous?.passwordSealed ?? null
  const value: SmtpSettings = { host: input.host, port: input.port, security: input.security, username: input.username || null, passwordSealed, from: input.from }
  await withTx(ctx.db, async (tx) => {
    await upsertSetting(tx, 'smtp', value, ctx.clock.now())
    await recordAudit(withDb(ctx as AppContext, tx), actor, { action: 'settings.smtp.update', resourceType: 'settings', resourceName: 'smtp', details: { host: value.host, port: value.port, security: value.security, username: value.username, from: value.from, passwordChanged: !!input.password || !!input.clearPassword } })
  })
}

export type Mail = { to: string; subject: string; text: string; attachments?: { filename: string; content: Uint8Array; contentType: string }[] }

export class MailNotConfiguredError extends AppError {
  constructor() { super(422, 'smtp_not_configured', 'email is not set up: a platform admin can configure SMTP under Settings → Email') }
}

/** sendMail sends through the configured SMTP server; throws when none is configured or it refuses. */
export async function sendMail(ctx: Pick<Ctx, 'db' | 'secrets'>, mail: Mail): Promise<void> {
  const smtp = await getSmtpSettings(ctx)
  if (!smtp) throw new MailNotConfiguredError()
  // note: loaded on first use; it is a large module and most starts never send mail.
  const nodemailer = (await import('nodemailer')).default
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth: smtp.username ? { user: smtp.username, pass: smtp.passwordSealed ? ctx.secrets.open(smtp.passwordSealed) : '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  })
  try {
    await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text, attachments: mail.attachments?.map((a) => ({ filename: a.filename, content: Buffer.from(a.content), contentType: a.contentType })) })
  } catch (err) {
    throw new AppError(502, 'smtp_failed', `the SMTP server refused the message: ${(err as Error).message}`)
  } finally {
    transport.close()
  }
}

export async function isMailConfigured(ctx: Pick<Ctx, 'db'>): Promise<boolean> {
  return (await getSmtpSettings(ctx)) !== null
}
