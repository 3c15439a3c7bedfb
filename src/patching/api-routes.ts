// /api/v1 for patch management: updates (fleet and per device), scans, approvals, patch jobs.
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { approveBody, complianceQuery, createJobBody, deviceParams, devicePatchesQuery, fleetQuery, jobParams, scanBody } from './model'
import { complianceOf, createPatchJob, decidePatches, devicePatches, fleetPatches, getPatchJob, requestScan } from './service'

const tags = ['patches']

export function patchApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.patching.api' })
    .use(actorPlugin(ctx))
    .get('/api/v1/patches', (c) => fleetPatches(ctx, userOf(c.actor), c.query),
      { query: fleetQuery, detail: { summary: 'Updates on visible devices, one row per OS/source/id/version, with device counts per state (filters: state, severity, source, orgId, search)', tags } })
    .get('/api/v1/devices/:id/patches', async (c) => {
      const r = await devicePatches(ctx, userOf(c.actor), c.params.id, c.query)
      return { data: r.patches, scan: r.scan }
    }, { params: deviceParams, query: devicePatchesQuery, detail: { summary: 'A device\'s updates (state, catalogue row, its org\'s decision) and its last scan', tags } })
    .post('/api/v1/devices/:id/patches/scan', async (c) => {
      c.set.status = 202
      return requestScan(ctx, userOf(c.actor), c.params.id, c.body ?? {})
    }, { params: deviceParams, body: scanBody, detail: { summary: 'Ask the device\'s agent for its available updates (202; the result arrives when the agent answers)', tags } })
    .post('/api/v1/patches/approve', (c) => decidePatches(ctx, userOf(c.actor), 'approved', c.body),
      { body: approveBody, detail: { summary: 'Approve updates for an organization (bulk, audited); its devices\' rows become approved', tags } })
    .post('/api/v1/patches/decline', (c) => decidePatches(ctx, userOf(c.actor), 'declined', c.body),
      { body: approveBody, detail: { summary: 'Decline updates for an organization (bulk, audited, with a reason); patch jobs never install them', tags } })
    .post('/api/v1/patch-jobs', async (c) => {
      c.set.status = 201
      return createPatchJob(ctx, userOf(c.actor), c.body)
    }, { body: createJobBody, detail: { summary: 'Install approved updates on devices, groups, sites or an organization now (default: every approved update each device misses)', tags } })
    .get('/api/v1/patch-compliance', (c) => complianceOf(ctx, userOf(c.actor), c.query),
      { query: complianceQuery, detail: { summary: 'Patch compliance: % of scanned devices missing no update (declined ones excepted), missing and overdue critical/security updates, reboots pending, and the devices worst first', tags } })
    .get('/api/v1/patch-jobs/:id', (c) => getPatchJob(ctx, userOf(c.actor), c.params.id),
      { params: jobParams, detail: { summary: 'A patch job: status, counts and per-device progress with output', tags } })
}
