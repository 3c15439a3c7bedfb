// Remote access policy: per organization (MFA before a session, terminal recording and its
// retention, idle timeout, file manager roots, desktop allowed) and appliance-wide ICE
// servers (STUN/TURN; none needed on a LAN). The TURN credential is sealed at rest and never
// shown again.
import type { UserActor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { AppContext } from '../context'
import { withTx } from '../db/tx'
import { ValidationError } from '../lib/errors'
import type { IceServer } from '../protocol/remote'
import { requirePlatformAdmin } from '../settings/service'
import { requireOrg } from '../tenancy/scope'
import type { IceSettingsBody, RemoteSettingsBody } from './model'
import { findRemoteSettings, readIceSetting, upsertRemoteSettings, writeIceSetting, type RemoteSettingsRow } from './repo'

export type RemotePolicy = Omit<RemoteSettingsRow, 'orgId' | 'updatedAt' | 'updatedBy'>

export const policyDefaults: RemotePolicy = {
  requireMfa: false,
  recordTerminal: true,
  recordingRetentionDays: 90,
  idleTimeoutMinutes: 30,
  fileRoots: [],
  rootsApplyToAdmins: false,
  allowDesktop: true,
}

/** remotePolicy is an org's policy (the defaults until someone saves one). */
export async function remotePolicy(ctx: Pick<AppContext, 'db'>, orgId: string): Promise<RemotePolicy> {
  const row = await findRemoteSettings(ctx.db, orgId)
  if (!row) return { ...policyDefaults }
  const { orgId: _o, updatedAt: _u, updatedBy: _b, ...policy } = row
  return policy
}

/** lines splits a textarea (one entry per line) or passes a list through, trimmed and without blanks. */
function lines(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/\r?\n/)).map((s) => s.trim()).filter(Boolean)
}

/** checkRoots: absolute paths only (POSIX `/…` or Windows `C:\…`); the agent resolves and checks them again. */
function checkRoots(roots: string[]): string[] {
  for (const r of roots) {
    if (!/^(\/|[A-Za-z]:[\\/])/.test(r)) throw new ValidationError('fileRoots', `"${r}" is not an absolute path (use /srv/share or C:\\Data)`)
    if (/(^|[\\/])\.\.([\\/]|$)/.test(r)) throw new ValidationError('fileRoots', `"${r}" contains ".."`)
  }
  return [...new Set(roots)]
}

/** updateRemotePolicy stores an org's policy (remote:manage in that org) and audits the change. */
export async function updateRemotePolicy(ctx: AppContext, actor: UserActor, orgId: string, input: RemoteSettingsBody): Promise<RemotePolicy> {
  requireOrg(actor.scope, orgId, 'remote:manage')
  const policy: RemotePolicy = {
    requireMfa: input.requireMfa, recordTerminal: input.recordTerminal, recordingRetentionDays: input.recordingRetentionDays,
    idleTimeoutMinutes: input.idleTimeoutMinutes, fileRoots: checkRoots(lines(input.fileRoots)), rootsApplyToAdmins: input.rootsApplyToAdmins, allowDesktop: input.allowDesktop,
  }
  await withTx(ctx.db, async (tx) => {
    await upsertRemoteSettings(tx, { orgId, ...policy, updatedAt: ctx.clock.now(), updatedBy: actor.user.id })
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'remote.settings.update', orgId, resourceType: 'organization', resourceId: orgId, details: { ...policy } })
  })
  return policy
}

// ---- ICE servers (appliance-wide) ----

type StoredIce = { urls: string[]; turnUsername: string | null; turnCredentialSealed: string | null }

async function storedIce(ctx: Pick<AppContext, 'db'>): Promise<StoredIce> {
  return { urls: [], turnUsername: null, turnCredentialSealed: null, ...(await readIceSetting<StoredIce>(ctx.db)) }
}

/** iceSettings is what the settings page shows: URLs and username, and only whether a credential is set. */
export async function iceSettings(ctx: Pick<AppContext, 'db'>): Promise<{ urls: string[]; turnUsername: string | null; credentialSet: boolean }> {
  const s = await storedIce(ctx)
  return { urls: s.urls, turnUsername: s.turnUsername, credentialSet: !!s.turnCredentialSealed }
}

/** iceServers is the list browsers and agents use (the TURN credential opened). Empty on a LAN. */
export async function iceServers(ctx: Pick<AppContext, 'db' | 'secrets'>): Promise<IceServer[]> {
  const s = await storedIce(ctx)
  const stun = s.urls.filter((u) => u.startsWith('stun:'))
  const turn = s.urls.filter((u) => u.startsWith('turn:') || u.startsWith('turns:'))
  const out: IceServer[] = []
  if (stun.length) out.push({ urls: stun })
  if (turn.length) out.push({ urls: turn, username: s.turnUsername ?? undefined, credential: s.turnCredentialSealed ? ctx.secrets.open(s.turnCredentialSealed) : undefined })
  return out
}

export async function updateIceSettings(ctx: AppContext, actor: UserActor, input: IceSettingsBody) {
  requirePlatformAdmin(actor.scope)
  const urls = lines(input.urls)
  for (const u of urls) if (!/^(stun|turns?):[^\s]+$/.test(u)) throw new ValidationError('urls', `"${u}" is not a stun:, turn: or turns: URL`)
  const previous = await storedIce(ctx)
  const turnCredentialSealed = input.clearCredential ? null : input.turnCredential ? ctx.secrets.seal(input.turnCredential) : previous.turnCredentialSealed
  const value: StoredIce = { urls, turnUsername: input.turnUsername?.trim() || null, turnCredentialSealed }
  const now = ctx.clock.now()
  await withTx(ctx.db, async (tx) => {
    await writeIceSetting(tx, value, now)
    await recordAudit({ ...ctx, db: tx }, actor.audit, { action: 'settings.remote_ice.update', resourceType: 'settings', resourceName: 'ICE servers', details: { urls, turnUsername: value.turnUsername, credentialChanged: !!input.turnCredential || !!input.clearCredential } })
  })
}
