// Health, home and the API reference.
import { Elysia, type AnyElysia } from 'elysia'
import { ApiDocsPage, SetupPendingPage } from '../../views/system/pages'
import { isInitialized } from '../auth/setup'
import type { AppContext } from '../context'
import { pingDatabase } from '../db'
import { dashboardPage } from '../dashboard/routes'
import { openApiDocument, type OpenApiDocument } from './openapi'
import { actorPlugin } from '../web/actor-plugin'
import { bareProps } from '../web/page'
import { redirect, render } from '../web/render'

export function healthRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.health' }).get('/healthz', async ({ set }) => {
    const db = await pingDatabase(ctx.database)
    const storage = ctx.health.storageReport()
    set.headers['cache-control'] = 'no-store'
    // note: storage that refuses writes is "degraded" (reads still answer): 503, so a monitor
    // or the container's HEALTHCHECK notices; it clears with the next write that succeeds.
    const status = ctx.health.draining ? 'draining' : !db ? 'error' : storage.status !== 'ok' ? 'degraded' : 'ok'
    if (status !== 'ok') set.status = 503
    return { status, db: db ? 'ok' : 'unreachable', storage, version: ctx.version }
  }, { detail: { summary: 'Liveness, database and storage health', tags: ['system'] } })
    // Readiness for a load balancer: route traffic here only while the database answers, the
    // job runner runs, the storage takes writes and the process is not draining.
    .get('/readyz', async ({ set }) => {
      const db = await pingDatabase(ctx.database)
      const storage = ctx.health.storageReport()
      const checks = { database: db ? 'ok' : 'unreachable', jobs: ctx.jobs.isStarted ? 'ok' : 'stopped', draining: ctx.health.draining, storage }
      const ready = db && ctx.jobs.isStarted && !ctx.health.draining
      const status = !ready ? 'not_ready' : storage.status !== 'ok' ? 'degraded' : 'ready'
      set.headers['cache-control'] = 'no-store'
      if (status !== 'ready') set.status = 503
      return { status, checks, version: ctx.version }
    }, { detail: { summary: 'Readiness: database, job runner, storage, not draining', tags: ['system'] } })
}

export function systemRoutes(ctx: AppContext, root: () => AnyElysia) {
  let cached: OpenApiDocument | null = null
  const doc = () => (cached ??= openApiDocument(root(), ctx.version).document)
  return new Elysia({ name: 'breeze.system' })
    .use(actorPlugin(ctx))
    .get('/', async (c) => {
      if (c.actor.kind === 'user') return dashboardPage(ctx, c)
      if (!(await isInitialized(ctx))) return render(c, <SetupPendingPage page={bareProps(c)} />)
      return redirect(c, '/login')
    })
    .get('/api/v1/openapi.json', () => doc(), { detail: { hide: true } })
    .get('/api/v1/docs', async (c) => {
      const operations = Object.entries(doc().paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(), path, summary: op.summary ?? '', tag: op.tags?.[0] ?? 'other',
        params: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      })))
      return render(c, <ApiDocsPage page={bareProps(c)} operations={operations} version={ctx.version} />)
    }, { detail: { hide: true } })
}
