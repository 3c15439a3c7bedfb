// Wiring patch management into a running server: its command types, with the hooks that apply
// scan and install results in the command's own transaction, and the live updates of its pages.
import { registerCommandType } from '../agents/commands'
import type { AppContext } from '../context'
import { registerAutoApprove } from './auto-approve'
import { applyInstall, applyScan } from './ingest'
import { appendJobDeviceOutput, findJobDeviceByCommand, setDeviceStates, updateJobDevice } from './repo'

// note: command types are program structure, registered when this module is imported (like routes).
registerCommandType('patch.scan', {
  onResult: (ctx, command, outcome) => applyScan(ctx, command, outcome),
})

registerCommandType('patch.install', {
  async onStart(ctx, command) {
    const jd = await findJobDeviceByCommand(ctx.db, command.id)
    if (!jd) return
    const now = ctx.clock.now()
    await updateJobDevice(ctx.db, jd.id, ['pending'], { status: 'installing', startedAt: now })
    await setDeviceStates(ctx.db, jd.orgId, jd.patchIds, ['approved', 'available', 'failed'], 'installing', now)
  },
  // Output is stored as it comes (its last 64 KiB per device), so the job page shows apt working.
  async onOutput(ctx, command, chunk) {
    const jd = await findJobDeviceByCommand(ctx.db, command.id)
    if (!jd) return
    await appendJobDeviceOutput(ctx.db, jd.id, chunk.data)
    ctx.live.publish({ orgId: jd.orgId, perm: 'patches:read' }, 'patches.output', { jobId: jd.jobId, deviceId: jd.deviceId })
  },
  onResult: (ctx, command, outcome) => applyInstall(ctx, command, outcome),
})

/** registerPatchingWork declares the domain's jobs: automatic approval after each scan and every hour. */
export async function registerPatchingWork(ctx: AppContext) {
  await registerAutoApprove(ctx)
}
