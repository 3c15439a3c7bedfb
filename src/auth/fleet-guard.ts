// The fleet guard: every action a user fans out to more devices than the confirmation
// threshold (script runs and re-runs, bulk device actions that change what manages the
// devices, and later power actions, one-off commands, patch installs) passes through
// guardFleetAction before any work, and records itself in the action's transaction.
//
// Above the threshold:
// - a browser session must have proved the second factor within the last N minutes
//   (Settings → Fleet-wide actions, default 10): at sign-in or by stepping up
//   (POST /api/v1/auth/step-up). Otherwise 403 `step_up_required`.
// - a user without two-factor authentication is refused (403 `mfa_required_for_fleet`):
//   there is nothing to step up with, and no setting turns this off.
// - an API key cannot answer a TOTP prompt: it is refused (403 `fleet_scope_required`)
//   unless it was created with the fleet scope, which itself needs a recent step-up.
// - each organization and each partner may start a limited number of such actions per
//   rolling hour (Settings, default 10 per organization and 30 per partner): 429
//   `fleet_rate_limited` with Retry-After.
//
// note: runs started by the system (automations, policies, alert responses) are not
// user-driven: they pass neither check and are not counted — a remediation must not stop
// because people were busy. Who may create those is governed by their own permissions.
import { auditEvent } from '../audit/service'
import type { AppContext } from '../context'
import type { Tx } from '../db/tx'
import { AppError, RateLimitError } from '../lib/errors'
import { newId } from '../lib/ids'
import { getFleetSettings } from '../settings/service'
import { findLiveOrg, findLivePartner } from '../tenancy/repo'
import type { UserActor } from './actor'
import { countFleetActions, insertFleetActions } from './fleet-repo'

/** Actions on more devices than this are fleet-wide: they need the count confirmed, a recent step-up and fit the tenant's rate. */
export const fleetThreshold = 50

const hourMs = 3600_000

export type FleetAction = {
  /** What is fanned out: `script.execute`, `device.bulk.decommission`, `device.power`… */
  kind: string
  deviceCount: number
  /** The organizations of the devices (each counts one action, and so does each of their partners). */
  orgIds: string[]
}

/** What a passed check gives back: `record` counts the action; call it inside the action's transaction, after its audit row. */
export type FleetPass = { fleetWide: boolean; record(tx: Tx): Promise<void> }

export const stepUpPage = '/account/step-up'
export const stepUpApi = '/api/v1/auth/step-up'

export class StepUpRequiredError extends AppError {
  constructor(deviceCount: number, validMinutes: number) {
    super(403, 'step_up_required', `this action reaches ${deviceCount} devices: confirm it is you with a code from your authenticator app first (POST ${stepUpApi} with {"code"}, or ${stepUpPage} in the browser); a confirmation counts for ${validMinutes} minutes`,
      { deviceCount, stepUpUrl: stepUpApi, stepUpPage, validMinutes })
  }
}

export class FleetMfaRequiredError extends AppError {
  constructor(deviceCount: number) {
    super(403, 'mfa_required_for_fleet', `this action reaches ${deviceCount} devices: actions on more than ${fleetThreshold} devices need two-factor authentication. Set it up under Account → Two-factor authentication (/account/mfa), or act on at most ${fleetThreshold} devices at a time`,
      { deviceCount, setupPage: '/account/mfa' })
  }
}

export class FleetScopeRequiredError extends AppError {
  constructor(deviceCount: number) {
    super(403, 'fleet_scope_required', `this action reaches ${deviceCount} devices: an API key can act on more than ${fleetThreshold} devices at once only if it was created with the fleet scope (an API key cannot answer a two-factor prompt)`,
      { deviceCount })
  }
}

export class FleetRateLimitError extends RateLimitError {
  constructor(tenant: 'organization' | 'partner', name: string, limit: number, retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60))
    super(`${tenant === 'organization' ? 'the organization' : 'the partner'} "${name}" has started ${limit} fleet-wide action${limit === 1 ? '' : 's'} (more than ${fleetThreshold} devices each) in the last hour, the most allowed; try again in ${minutes} minute${minutes === 1 ? '' : 's'} (a platform administrator sets the limit under Settings → Fleet-wide actions)`,
      retryAfterSeconds, 'fleet_rate_limited', { tenant, limit })
  }
}

type Ctx = Pick<AppContext, 'db' | 'clock' | 'events' | 'keys'>

const below: FleetPass = { fleetWide: false, record: async () => {} }

/** tenantKeys: `org:<id>` for each organization and `partner:<id>` for each of their partners. */
function tenantKeys(actor: UserActor, orgIds: string[]) {
  const keys = new Map<string, { tenant: 'organization' | 'partner'; id: string }>()
  for (const orgId of orgIds) {
    keys.set(`org:${orgId}`, { tenant: 'organization', id: orgId })
    const partnerId = actor.scope.orgs.get(orgId)?.partnerId
    if (partnerId) keys.set(`partner:${partnerId}`, { tenant: 'partner', id: partnerId })
  }
  return keys
}

/** stepUpFresh: did this session prove the second factor within `minutes`? */
export function stepUpFresh(stepUpAt: number | null | undefined, now: number, minutes: number): boolean {
  return typeof stepUpAt === 'number' && stepUpAt <= now && now - stepUpAt < minutes * 60_000
}

/** credentialProblem: why the caller's credential may not start a fleet-wide action now (null: it may). */
function credentialProblem(actor: UserActor, deviceCount: number, now: number, stepUpMinutes: number): AppError | null {
  if (actor.apiKey) return actor.apiKey.fleet ? null : new FleetScopeRequiredError(deviceCount)
  if (!actor.user.mfaEnabled) return new FleetMfaRequiredError(deviceCount)
  if (!stepUpFresh(actor.session?.stepUpAt, now, stepUpMinutes)) return new StepUpRequiredError(deviceCount, stepUpMinutes)
  return null
}

/**
 * requireFreshStepUp: for granting fleet power (an API key with the fleet scope) — a browser
 * session with a recent step-up; API keys and users without MFA are refused. Refusals audited.
 */
export async function requireFreshStepUp(ctx: Ctx, actor: UserActor, what: string): Promise<void> {
  const { stepUpMinutes } = await getFleetSettings(ctx)
  const problem = actor.apiKey
    ? new AppError(403, 'step_up_unavailable', 'an API key cannot do this; use a browser session with a recent step-up')
    : !actor.user.mfaEnabled
      ? new AppError(403, 'mfa_required_for_fleet', `this needs two-factor authentication: set it up under Account → Two-factor authentication (/account/mfa)`, { setupPage: '/account/mfa' })
      : !stepUpFresh(actor.session?.stepUpAt, ctx.clock.now(), stepUpMinutes)
        ? new AppError(403, 'step_up_required', `confirm it is you with a code from your authenticator app first (POST ${stepUpApi} with {"code"}, or ${stepUpPage} in the browser)`, { stepUpUrl: stepUpApi, stepUpPage, validMinutes: stepUpMinutes })
        : null
  if (!problem) return
  await auditEvent(ctx, actor.audit, { action: 'fleet.refused', result: 'denied', resourceType: 'fleet_action', resourceName: what, errorMessage: problem.message, details: { kind: what, reason: problem.code } })
  throw problem
}

/**
 * guardFleetAction checks a user-driven action on `deviceCount` devices before any work:
 * below the threshold it passes; above it needs a recent step-up (or a fleet-scoped API key)
 * and room in each tenant's hourly budget. Refusals are audited (`fleet.refused`) and thrown.
 */
export async function guardFleetAction(ctx: Ctx, actor: UserActor, action: FleetAction): Promise<FleetPass> {
  if (action.deviceCount <= fleetThreshold) return below
  const now = ctx.clock.now()
  const settings = await getFleetSettings(ctx)
  const orgIds = [...new Set(action.orgIds)]
  const refuse = async (err: AppError): Promise<never> => {
    const single = orgIds.length === 1 ? orgIds[0] : null
    await auditEvent(ctx, actor.audit, {
      action: 'fleet.refused', result: 'denied', orgId: single, partnerId: single ? actor.scope.orgs.get(single)?.partnerId ?? null : null,
      resourceType: 'fleet_action', resourceName: action.kind, errorMessage: err.message,
      details: { kind: action.kind, devices: action.deviceCount, orgIds: orgIds.slice(0, 20), reason: err.code },
    })
    throw err
  }

  const credential = credentialProblem(actor, action.deviceCount, now, settings.stepUpMinutes)
  if (credential) await refuse(credential)

  const keys = tenantKeys(actor, orgIds)
  const over = await firstOverLimit(ctx.db, keys, now, settings)
  if (over) await refuse(over)

  const actionId = newId()
  return {
    fleetWide: true,
    async record(tx) {
      // note: re-counted inside the action's transaction. After the action's audit row (which
      // holds the audit chain lock) the count is exact on PostgreSQL too; on SQLite the
      // transaction is serial anyway.
      const late = await firstOverLimit(tx, keys, now, settings)
      if (late) throw late
      await insertFleetActions(tx, [...keys.keys()].map((tenantKey) => ({
        id: newId(), tenantKey, actionId, kind: action.kind, userId: actor.user.id, deviceCount: action.deviceCount, at: now,
      })), now - 2 * hourMs)
    },
  }
}

async function firstOverLimit(db: Ctx['db'], keys: ReturnType<typeof tenantKeys>, now: number, settings: Awaited<ReturnType<typeof getFleetSettings>>): Promise<FleetRateLimitError | null> {
  for (const [key, who] of keys) {
    const limit = who.tenant === 'organization' ? settings.orgActionsPerHour : settings.partnerActionsPerHour
    const { count, oldest } = await countFleetActions(db, key, now - hourMs)
    if (count >= limit) {
      const wait = Math.max(1, Math.ceil(((oldest ?? now) + hourMs - now) / 1000))
      const name = who.tenant === 'organization' ? (await findLiveOrg(db, who.id))?.name : (await findLivePartner(db, who.id))?.name
      return new FleetRateLimitError(who.tenant, name ?? who.id, limit, wait)
    }
  }
  return null
}

/** stepUpPromptOf: what a form shows for a refusal the user can fix in place (a code, or enrolling MFA); null for anything else. */
export function stepUpPromptOf(err: unknown): { needsEnrolment: boolean; message: string } | null {
  if (err instanceof StepUpRequiredError) return { needsEnrolment: false, message: err.message.split(':')[0] + ': enter a code from your authenticator app to go on.' }
  if (err instanceof FleetMfaRequiredError) return { needsEnrolment: true, message: err.message }
  return null
}
