// The relay's two WebSocket ends:
//   /ws/remote/:id          browsers (and API clients): signed-in user + own Origin + a session
//                           ticket (single use, 30 s; ./tickets.ts)
//   /ws/remote/:id/agent    the device's agent: its credential, and only for its own session
// Both are thin: frames go to the session's relay (./relay.ts), which checks and routes them.
import { Elysia, t } from 'elysia'
import { authenticateAgent, parseAgentCredential } from '../agents/auth'
import { credentialOf, type Credential } from '../auth/credentials'
import type { AppContext } from '../context'
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../lib/errors'
import { actorPlugin } from '../web/actor-plugin'
import { alreadyHandled } from '../web/ws'
import type { RawSocket, SessionRelay, ViewerConn } from './relay'
import { agentAttached, getSession, isLive, remoteHub } from './sessions'
import { iceServers } from './settings'
import { checkTicket, type TicketRole } from './tickets'

type ViewerData = { remote?: { relay: SessionRelay; userId: string; name: string; role: TicketRole; credential: Credential; viewer?: ViewerConn | null; iceServers: Awaited<ReturnType<typeof iceServers>> } }
type AgentData = { remoteAgent?: { relay: SessionRelay; sessionId: string } }
type Raw = RawSocket & { data: ViewerData & AgentData }

const sizeOf = (message: unknown) => (typeof message === 'string' ? message.length : JSON.stringify(message)?.length ?? 0)
const bytesOf = (message: unknown): Uint8Array | null => (message instanceof Uint8Array ? message : message instanceof ArrayBuffer ? new Uint8Array(message) : null)

export function remoteSocketRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.remote.sockets' })
    .use(actorPlugin(ctx))
    .ws('/ws/remote/:id/agent', {
      params: t.Object({ id: t.String({ maxLength: 64 }) }),
      async beforeHandle(c) {
        if (alreadyHandled(c)) return
        const header = c.request.headers.get('authorization')
        const agent = await authenticateAgent(ctx, header, parseAgentCredential(header)?.agentId ?? '')
        const relay = remoteHub(ctx).relays.get(c.params.id)
        if (!relay || relay.session.deviceId !== agent.id || relay.isClosed) throw new NotFoundError('remote session')
        ;(c as unknown as AgentData).remoteAgent = { relay, sessionId: c.params.id }
      },
      async open(ws) {
        const raw = ws.raw as unknown as Raw
        const a = raw.data.remoteAgent
        if (!a) return raw.close(4404, 'no such session')
        if (!a.relay.attachAgent(raw)) return raw.close(4409, 'this session already has its agent')
        await agentAttached(ctx, a.sessionId)
      },
      message(ws, message) {
        const raw = ws.raw as unknown as Raw
        const relay = raw.data.remoteAgent?.relay
        if (!relay) return
        const bytes = bytesOf(message)
        if (bytes) relay.agentBinary(bytes)
        else relay.agentText(message, sizeOf(message))
      },
      close(ws) {
        const raw = ws.raw as unknown as Raw
        raw.data.remoteAgent?.relay.detachAgent(raw)
      },
    })
    .ws('/ws/remote/:id', {
      params: t.Object({ id: t.String({ maxLength: 64 }) }),
      query: t.Object({ ticket: t.String({ maxLength: 300 }) }),
      async beforeHandle(c) {
        if (alreadyHandled(c)) return
        const { actor, info, request, params, query } = c
        if (actor.kind !== 'user') throw new UnauthorizedError()
        // note: browsers always send Origin on a WebSocket; a cookie-borne request from another site must not attach.
        const origin = request.headers.get('origin')
        const own = [info.origin, ctx.config.publicUrl ? new URL(ctx.config.publicUrl).origin : null]
        if (origin ? !own.includes(origin) : !actor.apiKey) throw new ForbiddenError('cross-site WebSocket refused')
        const row = await getSession(ctx, actor, params.id)
        if (!isLive(ctx, row)) throw new NotFoundError('live remote session')
        const role = checkTicket(ctx, remoteHub(ctx).usedTickets, query.ticket, row.id, actor.user.id)
        if (!role) throw new ForbiddenError('invalid, expired or already used session ticket: reload the page')
        ;(c as unknown as ViewerData).remote = { relay: remoteHub(ctx).relays.get(row.id)!, userId: actor.user.id, name: actor.user.name, role, credential: credentialOf(actor), iceServers: await iceServers(ctx) }
      },
      open(ws) {
        const raw = ws.raw as unknown as Raw
        const r = raw.data.remote
        if (!r) return raw.close(4404, 'no such session')
        r.viewer = r.relay.attachViewer(raw, r, { kind: r.relay.session.type, status: r.relay.agent ? 'active' : 'connecting', transport: 'auto', iceServers: r.iceServers })
        if (!r.viewer) raw.close(4410, 'the session has ended')
      },
      message(ws, message) {
        const raw = ws.raw as unknown as Raw
        const r = raw.data.remote
        if (!r?.viewer) return
        const bytes = bytesOf(message)
        if (bytes) r.relay.viewerBinary(r.viewer, bytes)
        else r.relay.viewerText(r.viewer, message, sizeOf(message))
      },
      close(ws) {
        const raw = ws.raw as unknown as Raw
        const r = raw.data.remote
        if (r?.viewer) r.relay.detachViewer(r.viewer)
      },
    })
}
