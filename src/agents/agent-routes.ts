// What agents call: enrollment, heartbeat, inventory, command reports over HTTP, and the
// downloads of the agent itself. Everything but enrollment and downloads needs the agent
// credential, for the agent's own id.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { AppError, ConflictError, NotFoundError, RateLimitError } from '../lib/errors'
import { enrollPollRequest, enrollRequest, heartbeatRequest, inventoryReport, isAgentPlatform } from '../protocol'
import { actorPlugin } from '../web/actor-plugin'
import { publicBaseUrl } from '../settings/public-url'
import { checkInstallKey } from './install-key'
import { installCheckPath, installPs1, installSh, refusalPs1, refusalSh } from './install-scripts'
import { authenticateAgent } from './auth'
import { acceptsGzip, findAgentBuilds, gzippedBuild } from './builds'
import { handleCommandMessage } from './commands'
import { enrollAgent, pollEnrollment } from './enroll'
import { recordHeartbeat } from './heartbeat'
import { ingestInventory } from './inventory'
import { checkAgentBody, checkBatch, resultsProblem } from './validate'

const agentParams = t.Object({ id: t.String({ maxLength: 64 }) })
const hide = { hide: true }
/** The agent's HTTP calls are in the API reference under their own tag (src/system/openapi.ts). */
const agentDoc = (summary: string) => ({ summary, tags: ['agent'] })
const enrollResponses = { responses: { 200: { description: 'Enrolled' }, 202: { description: 'A known machine: waiting for a technician to approve (poll /api/v1/agents/enroll/poll)' } } }
const installQuery = t.Object({ key: t.Optional(t.String({ maxLength: 100 })) })
const scriptHeaders = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }

export function agentApiRoutes(ctx: AppContext) {
  /** installScript answers with the installer for a usable key, else with a script that says why and fails. */
  async function installScript(key: string | undefined, ip: string | null, kind: 'sh' | 'ps1'): Promise<Response> {
    const check = await checkInstallKey(ctx, key, ip)
    if (!check.ok) {
      const headers: Record<string, string> = { ...scriptHeaders, ...(check.retryAfterSeconds ? { 'retry-after': String(check.retryAfterSeconds) } : {}) }
      return new Response(kind === 'sh' ? refusalSh(check.message) : refusalPs1(check.message), { status: check.status, headers })
    }
    const server = await publicBaseUrl(ctx, check.partnerId)
    const builds = findAgentBuilds(ctx.config)
    return new Response(kind === 'sh' ? installSh(server, key!, builds) : installPs1(server, key!, builds), { headers: scriptHeaders })
  }

  return new Elysia({ name: 'breeze.agents.api' })
    .use(actorPlugin(ctx))
    // note: agent bodies are checked by checkAgentBody, not Elysia (see validate.ts): unknown fields are refused, not dropped.
    .post('/api/v1/agents/enroll', async (c) => {
      const answer = await enrollAgent(ctx, checkAgentBody(enrollRequest, c.body), c.info.ip)
      // 202: a known machine's enrollment waits for a technician (the agent polls below).
      if (answer.status === 'pending') c.set.status = 202
      return answer
    }, { detail: { ...agentDoc('Enroll an agent with an enrollment key: its id, secret and the server signing key'), ...enrollResponses } })
    .post('/api/v1/agents/enroll/poll', async (c) => {
      const { status, body } = await pollEnrollment(ctx, checkAgentBody(enrollPollRequest, c.body), c.info.ip)
      c.set.status = status
      return body
    }, { detail: agentDoc('Ask whether a pending enrollment was approved') })
    .get('/agents/:platform', (c) => {
      const build = isAgentPlatform(c.params.platform) ? findAgentBuilds(ctx.config, true).get(c.params.platform) : undefined
      if (!build) throw new NotFoundError(`agent build for ${c.params.platform}`)
      // An update names the build it was offered; if the file changed since, the agent asks again later.
      if (c.query.sha256 && c.query.sha256 !== build.sha256) throw new ConflictError('this build changed since it was offered; the next heartbeat offers the current one')
      const name = build.file.split(/[\\/]/).pop()!
      // Gzipped (about half the size) for clients that accept it, once the cached copy exists;
      // the SHA-256 is always that of the executable itself.
      const gz = acceptsGzip(c.request.headers.get('accept-encoding')) ? gzippedBuild(ctx.config.dataDir, build, ctx.log) : null
      return new Response(Bun.file(gz ?? build.file), {
        headers: {
          'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"`, 'x-agent-version': build.version, 'x-agent-sha256': build.sha256,
          'cache-control': 'no-cache', vary: 'accept-encoding', ...(gz ? { 'content-encoding': 'gzip' } : {}),
        },
      })
    }, { params: t.Object({ platform: t.String({ maxLength: 32 }) }), query: t.Object({ sha256: t.Optional(t.String({ maxLength: 64 })) }), detail: hide })
    .get('/install.sh', (c) => installScript(c.query.key, c.info.ip, 'sh'), { query: installQuery, detail: hide })
    .get('/install.ps1', (c) => installScript(c.query.key, c.info.ip, 'ps1'), { query: installQuery, detail: hide })
    .post(installCheckPath, async (c) => {
      const check = await checkInstallKey(ctx, c.body.key, c.info.ip)
      if (!check.ok) throw check.status === 429 ? new RateLimitError(check.message, check.retryAfterSeconds ?? 60) : new AppError(check.status, check.code, check.message)
      return { ok: true }
    }, { body: t.Object({ key: t.String({ maxLength: 100 }) }), detail: agentDoc('Check an enrollment key before downloading the agent (the install scripts call it)') })
    .group('/api/v1/agents/:id', (app) => app
      // note: derive runs before body validation, so an unauthenticated caller learns nothing from 400s.
      .derive(async (c) => ({ agent: await authenticateAgent(ctx, c.request.headers.get('authorization'), (c.params as { id: string }).id) }))
      .post('/heartbeat', (c) => recordHeartbeat(ctx, c.agent, checkAgentBody(heartbeatRequest, c.body), c.info.ip), { params: agentParams, detail: agentDoc('Heartbeat: metrics and liveness; answers pending commands and settings') })
      .post('/inventory', (c) => ingestInventory(ctx, c.agent, checkAgentBody(inventoryReport, c.body)), { params: agentParams, detail: agentDoc('Inventory report: hardware, software, services, network') })
      .post('/messages', async (c) => {
        // The whole batch is checked (including each result against its command type) before any of it is applied.
        const { messages } = checkBatch(c.body)
        const bad = await resultsProblem(ctx.db, c.agent.id, messages, (i) => `messages/${i}`)
        if (bad) throw bad
        for (const msg of messages) await handleCommandMessage(ctx, c.agent, msg as Parameters<typeof handleCommandMessage>[2])
        return { ok: true }
      }, { params: agentParams, detail: agentDoc('Command results and output when the socket is down') }))
}
