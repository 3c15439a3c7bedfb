// Live updates for open pages: one Server-Sent Events stream per browser tab (`GET /live`).
// Domains publish small events (names and ids, never HTML); each is delivered only to
// streams whose user may see it (same scope rules as the pages). In the browser,
// static/js/app.js turns each event into a DOM event `live:<name>` on <body>, so an htmx
// element refreshes itself with `hx-trigger="live:device.status from:body"` and the
// fragment it fetches applies the scope again.
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import type { Permission } from '../tenancy/permissions'
import { can, siteVisible, type Scope } from '../tenancy/scope'
import { actorPlugin, userOf } from './actor-plugin'
import { sseResponse } from './sse'

/** Who may receive an event: everyone holding `perm` in `orgId` (and, when given, seeing `siteId`), or exactly one user. */
export type Audience = { orgId: string; perm: Permission; siteId?: string } | { userId: string }

type Subscriber = { scope: Scope; send(chunk: string): void }

export class LiveHub {
  private subscribers = new Set<Subscriber>()

  /** publish sends `event` with `data` to every open stream allowed to see it. */
  publish(audience: Audience, event: string, data: Record<string, unknown> = {}) {
    if (this.subscribers.size === 0) return
    const chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const s of this.subscribers) {
      const allowed = 'userId' in audience ? s.scope.userId === audience.userId
        : can(s.scope, audience.perm, audience.orgId) && (!audience.siteId || siteVisible(s.scope, audience.orgId, audience.siteId))
      if (allowed) s.send(chunk)
    }
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s)
    return () => this.subscribers.delete(s)
  }

  get size() { return this.subscribers.size }
}

export function liveRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.live' })
    .use(actorPlugin(ctx))
    .get('/live', ({ actor, request }) => {
      const scope = userOf(actor).scope
      // note: a tab that falls behind its byte budget (sseBudgetBytes) is disconnected; its EventSource reconnects.
      return sseResponse(request, ({ send }) => ctx.live.subscribe({ scope, send }), { onOverflow: () => ctx.log.info('a slow reader of /live was disconnected', { userId: scope.userId }) })
    }, { detail: { hide: true } })
}
