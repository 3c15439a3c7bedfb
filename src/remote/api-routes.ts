// Remote access JSON API: sessions (start, list, read, join, end), recordings, transfer
// history, capabilities of a device, and the policy settings. The terminal, file and desktop
// traffic itself goes over /ws/remote/:id (./socket-routes.ts) or WebRTC.
import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { NotFoundError } from '../lib/errors'
import { orgIdsWith, requireOrg } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { remoteCapabilities } from './command'
import { iceSettingsBody, idParams, orgParams, remoteSettingsBody, sessionListQuery, startSessionBody, transferListQuery } from './model'
import { getRecording, listRecordings, recordingFile, recordingOfSession } from './recordings'
import type { RemoteSessionRow } from './repo'
import { closeSession, getSession, isLive, joinSession, listSessions, startSession } from './sessions'
import { iceSettings, remotePolicy, updateIceSettings, updateRemotePolicy } from './settings'
import { listTransfers } from './transfers'
import { int } from '../web/model-types'

const tags = ['remote']

/** The API form of a session (never the SDPs: they name the browser's addresses). */
export function publicSession(s: RemoteSessionRow & { hostname?: string; userName?: string | null }) {
  return {
    id: s.id, orgId: s.orgId, deviceId: s.deviceId, hostname: s.hostname, userId: s.userId, userName: s.userName, type: s.type, status: s.status,
    transport: s.transport, shell: s.shell, endReason: s.endReason, endedBy: s.endedBy, errorMessage: s.errorMessage, iceCandidateTypes: s.iceCandidates,
    bytesIn: Number(s.bytesIn), bytesOut: Number(s.bytesOut), recording: s.recording, createdAt: s.createdAt, startedAt: s.startedAt, endedAt: s.endedAt,
    durationSeconds: s.durationSeconds,
  }
}

const socketUrl = (id: string, ticket: string) => `/ws/remote/${id}?ticket=${encodeURIComponent(ticket)}`

function castResponse(file: Blob, name: string) {
  return new Response(file, { headers: { 'content-type': 'application/x-asciicast', 'content-disposition': `attachment; filename="${name}.cast"`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } })
}

export function remoteApiRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.remote.api' })
    .use(actorPlugin(ctx))
    .post('/api/v1/remote/sessions', async (c) => {
      const { session, ticket } = await startSession(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return { session: publicSession(session), ticket, socketUrl: socketUrl(session.id, ticket) }
    }, { body: startSessionBody, detail: { summary: 'Start a terminal, file or desktop session on a device', tags } })
    .get('/api/v1/remote/sessions', async (c) => {
      const q = c.query
      const rows = await listSessions(ctx, userOf(c.actor), { live: q.status === 'live', ended: q.status === 'ended', deviceId: q.deviceId, userId: q.userId, limit: q.limit })
      return { sessions: rows.map(publicSession) }
    }, { query: sessionListQuery, detail: { summary: 'Remote sessions (live, ended or all) on devices you may reach', tags } })
    .get('/api/v1/remote/sessions/:id', async (c) => {
      const actor = userOf(c.actor)
      const row = await getSession(ctx, actor, c.params.id)
      const recording = await recordingOfSession(ctx, row.id)
      return { ...publicSession(row), live: isLive(ctx, row), recordingId: recording?.id ?? null }
    }, { params: idParams, detail: { summary: 'One remote session', tags } })
    .post('/api/v1/remote/sessions/:id/join', async (c) => {
      const { session, ticket, role } = await joinSession(ctx, userOf(c.actor), c.params.id)
      return { session: publicSession(session), ticket, role, socketUrl: socketUrl(session.id, ticket) }
    }, { params: idParams, detail: { summary: 'A ticket to attach: the opener reconnecting, or anyone else view-only', tags } })
    .delete('/api/v1/remote/sessions/:id', async (c) => publicSession(await closeSession(ctx, userOf(c.actor), c.params.id)),
      { params: idParams, detail: { summary: 'End a session (yours, or any with remote:manage: the shell closes within seconds)', tags } })
    .get('/api/v1/remote/sessions/:id/recording', async (c) => {
      const actor = userOf(c.actor)
      const row = await getSession(ctx, actor, c.params.id)
      const recording = await recordingOfSession(ctx, row.id)
      const file = recording ? await recordingFile(ctx, recording) : null
      if (!file) throw new NotFoundError('recording')
      return castResponse(file, `session-${row.id}`)
    }, { params: idParams, detail: { summary: 'The session\'s terminal recording (asciicast v2)', tags } })
    .get('/api/v1/remote/recordings', async (c) => ({ recordings: await listRecordings(ctx, userOf(c.actor), { deviceId: c.query.deviceId, limit: c.query.limit }) }),
      { query: t.Object({ deviceId: t.Optional(t.String({ maxLength: 64 })), limit: t.Optional(int({ minimum: 1, maximum: 500 })) }), detail: { summary: 'Terminal recordings', tags } })
    .get('/api/v1/remote/recordings/:id', async (c) => {
      const recording = await getRecording(ctx, userOf(c.actor), c.params.id)
      const file = await recordingFile(ctx, recording)
      if (!file) throw new NotFoundError('recording')
      return castResponse(file, `session-${recording.sessionId}`)
    }, { params: idParams, detail: { summary: 'A recording file (asciicast v2)', tags } })
    .get('/api/v1/remote/transfers', async (c) => ({ transfers: await listTransfers(ctx, userOf(c.actor), c.query) }),
      { query: transferListQuery, detail: { summary: 'File transfer history per device and user', tags } })
    .get('/api/v1/remote/devices/:id/capabilities', async (c) => remoteCapabilities(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'What remote access a connected device offers (shells, desktop and why not)', tags } })
    .get('/api/v1/remote/settings', async (c) => {
      const actor = userOf(c.actor)
      const orgIds = orgIdsWith(actor.scope, 'remote:manage')
      return { organizations: await Promise.all(orgIds.map(async (orgId) => ({ orgId, ...(await remotePolicy(ctx, orgId)) }))) }
    }, { detail: { summary: 'Remote access policy of the organizations you manage', tags } })
    .get('/api/v1/remote/settings/:orgId', async (c) => {
      requireOrg(userOf(c.actor).scope, c.params.orgId, 'remote:manage')
      return { orgId: c.params.orgId, ...(await remotePolicy(ctx, c.params.orgId)) }
    }, { params: orgParams, detail: { summary: 'An organization\'s remote access policy', tags } })
    .put('/api/v1/remote/settings/:orgId', async (c) => ({ orgId: c.params.orgId, ...(await updateRemotePolicy(ctx, userOf(c.actor), c.params.orgId, c.body)) }),
      { params: orgParams, body: remoteSettingsBody, detail: { summary: 'Set an organization\'s remote access policy', tags } })
    .get('/api/v1/remote/ice', async (c) => {
      const actor = userOf(c.actor)
      if (!actor.scope.platformAdmin) throw new NotFoundError('setting')
      return iceSettings(ctx)
    }, { detail: { summary: 'STUN/TURN servers (platform admins; the credential is never shown)', tags } })
    .put('/api/v1/remote/ice', async (c) => {
      await updateIceSettings(ctx, userOf(c.actor), c.body)
      return iceSettings(ctx)
    }, { body: iceSettingsBody, detail: { summary: 'Set the STUN/TURN servers (platform admins)', tags } })
}
