// The public URL: where people and agents reach this server. Every link that leaves the server
// (password resets, invitations, install scripts and commands, the server URL agents are
// enrolled with, links in notifications and automation messages) is built by publicLink, from
// this stored setting, never from the request's Host / X-Forwarded-Host, which anyone can forge.
//
// Where it comes from, first match wins: --public-url / BREEZE_PUBLIC_URL (fixed; Settings shows
// it read-only), else what a platform administrator confirmed on the setup page or saved under
// Settings, else the address the server listens on (`localhost`), which is warned about.
import { recordAudit, type AuditActor } from '../audit/service'
import type { AppContext } from '../context'
import { withDb } from '../context'
import type { Db } from '../db'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import { isLoopbackUrl, normalizePublicUrl } from '../lib/urls'
import type { Scope } from '../tenancy/scope'
import { findSetting, upsertSetting } from './repo'
import { requirePlatformAdmin } from './service'

export { isLoopbackUrl, normalizePublicUrl }

type Ctx = Pick<AppContext, 'db' | 'config'>

export type PublicUrlSource = 'config' | 'setup' | 'settings' | 'unset'

export type PublicUrl = {
  url: string
  source: PublicUrlSource
  /** The host is localhost or a loopback address: links work only on the server itself. */
  loopback: boolean
  /** Set by --public-url / BREEZE_PUBLIC_URL: Settings cannot change it. */
  fixed: boolean
  /** What to warn about, shown in Settings, on Add device and in the log at start; null when all is well. */
  warning: string | null
}

type Stored = { url: string; source: Exclude<PublicUrlSource, 'config' | 'unset'> }

const settingKey = 'publicUrl'

/** fallbackUrl is where links point before anyone chose a public URL: this machine, as the log shows it. */
function fallbackUrl(config: AppContext['config']): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host
  return `${config.tls ? 'https' : 'http'}://${host}:${config.port || 3000}`
}

async function findStored(db: Db): Promise<Stored | null> {
  const v = (await findSetting(db, settingKey)) as Stored | undefined
  return v && typeof v.url === 'string' ? v : null
}

/** getPublicUrl returns the effective public URL and where it came from. */
export async function getPublicUrl(ctx: Ctx): Promise<PublicUrl> {
  const stored = ctx.config.publicUrl ? null : await findStored(ctx.db)
  const url = ctx.config.publicUrl ?? stored?.url ?? fallbackUrl(ctx.config)
  const source: PublicUrlSource = ctx.config.publicUrl ? 'config' : stored?.source ?? 'unset'
  const loopback = isLoopbackUrl(url)
  const warning = loopback ? loopbackWarning(url) : source === 'unset' ? unconfirmedWarning(url) : null
  return { url, source, loopback, fixed: source === 'config', warning }
}

/**
 * publicBaseUrl is the base of every link for the people and agents of `partnerId` (null: the
 * appliance itself, e.g. a platform administrator's password reset). note: per-partner custom
 * domains (white-labelling) plug in here; today every partner shares the appliance's URL.
 */
export async function publicBaseUrl(ctx: Ctx, partnerId: string | null): Promise<string> {
  void partnerId
  return (await getPublicUrl(ctx)).url
}

/** publicLink is an absolute link to `path` (which starts with /) for the people of `partnerId`. */
export async function publicLink(ctx: Ctx, path: string, partnerId: string | null): Promise<string> {
  if (!path.startsWith('/')) throw new Error(`publicLink needs a path starting with /, got ${path}`)
  return `${await publicBaseUrl(ctx, partnerId)}${path}`
}

/** storePublicUrl records the public URL (inside the caller's transaction, if any). */
export async function storePublicUrl(db: Db, url: string, source: Stored['source'], now: number) {
  await upsertSetting(db, settingKey, { url: normalizePublicUrl(url), source } satisfies Stored, now)
}

/** updatePublicUrl is a platform administrator changing the public URL under Settings (audited). */
export async function updatePublicUrl(ctx: Pick<AppContext, 'db' | 'config' | 'clock' | 'events' | 'keys'>, scope: Scope, actor: AuditActor, input: string): Promise<PublicUrl> {
  requirePlatformAdmin(scope)
  if (ctx.config.publicUrl) throw new ValidationError('publicUrl', 'the public URL is set by --public-url / BREEZE_PUBLIC_URL; change it there and restart')
  const url = normalizePublicUrl(input, 'url')
  const before = await getPublicUrl(ctx)
  await withTx(ctx.db, async (tx) => {
    await storePublicUrl(tx, url, 'settings', ctx.clock.now())
    await recordAudit(withDb(ctx as AppContext, tx), actor, { action: 'settings.public_url.update', resourceType: 'settings', resourceName: 'publicUrl', details: { from: before.source === 'unset' ? null : before.url, to: url } })
  })
  return getPublicUrl(ctx)
}

/** loopbackWarning is the one sentence shown wherever a loopback public URL would mislead. */
function loopbackWarning(url: string): string {
  return `The public URL is ${url}, which only this server itself can reach: install commands, invitation and password-reset links will not work from other machines. A platform administrator can change it under Settings → Public URL (or set BREEZE_PUBLIC_URL).`
}

function unconfirmedWarning(url: string): string {
  return `No public URL was confirmed yet, so links use ${url}, the address this server listens on. A platform administrator can set the address others reach it at under Settings → Public URL (or set BREEZE_PUBLIC_URL).`
}
