// Running a library script on devices. One run is a batch with one execution per target
// device; each execution becomes a signed `script.run` command on that device's queue.
// Devices the script cannot run on (another OS, another tenant's script, offline when the
// user chose "skip") get a `skipped` execution with the reason, so the run shows every
// device that was asked for.
import type { UserActor } from '../auth/actor'
import { fleetThreshold, guardFleetAction, type FleetPass } from '../auth/fleet-guard'
import { recordAudit, systemActor, type AuditActor, type AuditEntry } from '../audit/service'
import type { AppContext } from '../context'
import { withDb } from '../context'
import { withTx } from '../db/tx'
import { resolveTargetDevices, resolveTargetDevicesForOrg, type TargetDevice, type TargetSelector } from '../devices/targets'
import { newId } from '../lib/ids'
import { AppError, NotFoundError } from '../lib/errors'
import { getScriptOutputSettings } from '../settings/service'
import { findLiveOrg } from '../tenancy/repo'
import { can } from '../tenancy/scope'
import { commandRows, insertCommands, sendCommands } from '../agents/commands'
import { insertDeviceChanges, type DeviceChange } from '../devices/repo'
import { scriptCommand, type RunBody } from './dispatch'
import { insertBatch, type Batch, type Execution } from './execution-repo'
import { getScript, scriptUsableIn } from './library'
import { maskedParameters, resolveParameters, sealedParameters, type ParameterValue } from './parameters'
import { findScript, type Script } from './repo'

/** Runs on more devices than this need the caller to confirm the count. */
export const confirmAbove = fleetThreshold

export type ExecuteInput = {
  targets: TargetSelector
  parameters?: Record<string, unknown>
  /** Offline devices: keep the job until they return (until expiry) or skip them. */
  offline?: 'queue' | 'skip'
  expiresInMinutes?: number
  /** Must equal the number of devices when there are more than `confirmAbove`. */
  confirmCount?: number
}

export type Trigger = { type: Batch['triggerType']; userId: string | null; rerunOf?: string | null }

export class ConfirmationRequiredError extends AppError {
  constructor(readonly count: number) {
    super(409, 'confirmation_required', `this run targets ${count} devices: confirm by sending confirmCount: ${count}`, { count })
  }
}

type Ctx = AppContext

/** executeScript runs a script the user can see on targets the user may run scripts on. */
export async function executeScript(ctx: Ctx, actor: UserActor, scriptId: string, input: ExecuteInput, trigger: Partial<Trigger> = {}) {
  const script = await getScript(ctx, actor, scriptId)
  const devices = await resolveTargetDevices(ctx, actor, input.targets, { permission: 'scripts:execute' })
  const orgIds = [...new Set(devices.map((d) => d.orgId))]
  for (const orgId of orgIds) if (!can(actor.scope, 'scripts:execute', orgId)) throw new NotFoundError('device')
  checkCount(devices, input)
  // A user's run above the threshold needs a recent step-up and room in the tenants' hourly budget.
  const fleet = await guardFleetAction(ctx, actor, { kind: 'script.execute', deviceCount: devices.length, orgIds })
  return startBatch(ctx, actor.audit, scriptRun(script), devices, input, { type: trigger.type ?? 'manual', userId: actor.user.id, rerunOf: trigger.rerunOf ?? null }, fleet)
}

/**
 * executeScriptForOrg is the system path (automations, policies, alerts) inside one organization.
 * note: not user-driven, so the fleet guard (step-up, per-tenant rate) does not apply.
 */
export async function executeScriptForOrg(ctx: Ctx, orgId: string, scriptId: string, input: ExecuteInput, trigger: Trigger) {
  const script = await findScript(ctx.db, scriptId)
  const org = await findLiveOrg(ctx.db, orgId)
  if (!script || !org || !scriptUsableIn(script, org.id, org.partnerId)) throw new NotFoundError('script')
  const devices = await resolveTargetDevicesForOrg(ctx, orgId, { ...input.targets, wholeOrg: !!input.targets.orgIds?.includes(orgId) })
  return startBatch(ctx, systemActor, scriptRun(script), devices, { ...input, confirmCount: devices.length }, trigger)
}

/**
 * What a batch runs: a library script, or a one-off command (no saved script: its line is the
 * script body). Both travel as `script.run` and share everything after (output, history, cancel).
 */
export type Runnable = {
  batch: Pick<Batch, 'scriptId' | 'scriptVersion' | 'scriptName' | 'command'>
  body: RunBody
  /** Output kept per run (MiB); null: Settings → Script output. */
  outputCapMib: number | null
  skip(device: TargetDevice, partnerId: string, offline: 'queue' | 'skip'): string | null
  audit(batch: Batch, executions: Execution[], values: Record<string, ParameterValue>): AuditEntry
  /** Lines for the devices' history, stored with the run. */
  history?(batch: Batch, executions: Execution[]): DeviceChange[]
}

function scriptRun(script: Script): Runnable {
  return {
    batch: { scriptId: script.id, scriptVersion: script.version, scriptName: script.name, command: null },
    body: script, outputCapMib: script.outputCapMib,
    skip: (device, partnerId, offline) => skipReason(script, device, partnerId, offline),
    audit: (batch, executions, values) => ({
      action: 'script.execute', resourceType: 'script', resourceId: script.id, resourceName: script.name,
      details: { batchId: batch.id, version: script.version, devices: executions.length, skipped: executions.filter((e) => e.status === 'skipped').length, parameters: maskedParameters(script.parameters, values), offline: batch.offline, trigger: batch.triggerType },
    }),
  }
}

/** checkCount: a run needs devices, and their number confirmed above the threshold (409 first, before the fleet guard). */
export function checkCount(devices: TargetDevice[], input: ExecuteInput) {
  if (devices.length === 0) throw new AppError(422, 'no_devices', 'the targets contain no devices')
  if (devices.length > confirmAbove && input.confirmCount !== devices.length) throw new ConfirmationRequiredError(devices.length)
}

/**
 * startBatch stores a run (batch, executions, signed commands, audit row) in one transaction and sends the commands.
 * A user's run passes `fleet` from guardFleetAction (src/auth/fleet-guard.ts): it is counted in the same transaction.
 */
export async function startBatch(ctx: Ctx, auditActor: AuditActor, run: Runnable, devices: TargetDevice[], input: ExecuteInput, trigger: Trigger, fleet?: FleetPass) {
  checkCount(devices, input)
  const values = resolveParameters(run.body.parameters, input.parameters)
  const now = ctx.clock.now()
  const offline = input.offline ?? 'queue'
  const expiresAt = now + (input.expiresInMinutes ?? 24 * 60) * 60_000
  const orgPartners = await partnersOf(ctx, devices)

  const batch: Batch = {
    id: newId(), ...run.batch,
    targets: { ...input.targets }, parameters: sealedParameters(run.body.parameters, values, ctx.secrets),
    offline, expiresAt, deviceCount: devices.length, triggerType: trigger.type, triggeredBy: trigger.userId,
    rerunOf: trigger.rerunOf ?? null, createdAt: now,
  }
  const executions: Execution[] = devices.map((device) => {
    const skip = run.skip(device, orgPartners.get(device.orgId) ?? '', offline)
    return {
      id: newId(), batchId: batch.id, scriptId: run.batch.scriptId, deviceId: device.id, orgId: device.orgId, commandId: skip ? null : newId(),
      status: skip ? 'skipped' : 'queued', exitCode: null, stdout: '', stderr: '', outputBlobKey: null, outputBytes: 0,
      truncated: false, errorMessage: skip, triggeredBy: trigger.userId, createdAt: now, startedAt: null, completedAt: skip ? now : null,
    }
  })
  // The batch, its executions and their commands are stored together (all or nothing); the
  // commands go to connected agents only after the commit, so no result can beat its row.
  // Output kept: the script's own cap, else Settings → Script output.
  const output = await getScriptOutputSettings(ctx)
  const limits = { inlineBytes: output.inlineKiB * 1024, maxBytes: (run.outputCapMib ?? output.maxMiB) * 1024 * 1024 }
  const commands = commandRows(ctx, executions.filter((e) => e.status === 'queued').map((e) => scriptCommand(run.body, batch, e, limits)))

  await withTx(ctx.db, async (tx) => {
    await insertBatch(tx, batch, executions)
    await insertCommands(tx, commands)
    if (run.history) await insertDeviceChanges(tx, run.history(batch, executions))
    const orgIds = [...new Set(devices.map((d) => d.orgId))]
    const entry = run.audit(batch, executions, values)
    await recordAudit(withDb(ctx, tx), auditActor, { orgId: orgIds.length === 1 ? orgIds[0] : null, ...entry, ...(fleet?.fleetWide ? { details: { ...entry.details, fleetWide: true } } : {}) })
    await fleet?.record(tx)
  })
  await sendCommands(ctx, commands)
  for (const orgId of new Set(executions.map((e) => e.orgId))) ctx.live.publish({ orgId, perm: 'scripts:read' }, 'execution', { batchId: batch.id, status: 'queued' })
  return { batch, executions }
}

function skipReason(script: Script, device: TargetDevice, partnerId: string, offline: 'queue' | 'skip'): string | null {
  if (!scriptUsableIn(script, device.orgId, partnerId)) return 'the script belongs to another organization'
  if (!script.osTypes.includes(device.osType)) return `the script is for ${script.osTypes.join('/')}; this device runs ${device.osType}`
  if (offline === 'skip' && device.status !== 'online') return 'the device was offline'
  return null
}

async function partnersOf(ctx: Ctx, devices: TargetDevice[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const orgId of new Set(devices.map((d) => d.orgId))) {
    const org = await findLiveOrg(ctx.db, orgId)
    if (org) out.set(orgId, org.partnerId)
  }
  return out
}

export type { ParameterValue }
