// Remote access pages: a device's remote page (connect buttons, sessions, recordings,
// transfers), a session's workspace or record, the fleet's sessions, and the policy.
import { Elysia } from 'elysia'
import { CapabilitiesPanel, RemoteDevicePage, type RemotePolicyView } from '../../views/remote/device'
import { RemoteSessionPage } from '../../views/remote/session'
import { RemoteSessionsPage } from '../../views/remote/sessions'
import { RemoteSettingsPage } from '../../views/remote/settings'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { deviceName, getDevice } from '../devices/service'
import { can, orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, formObject, type FieldErrors } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { HX, isHtmx } from '../web/htmx'
import { redirect, render, setFlash } from '../web/render'
import { remoteCapabilities } from './command'
import { formTypes, iceSettingsBody, idParams, orgParams, remoteSettingsBody, startSessionForm } from './model'
import { listRecordings, recordingOfSession } from './recordings'
import { closeSession, getSession, isLive, joinSession, listSessions, mfaCovered, startSession } from './sessions'
import { deviceNames, orgNames, sessionNames } from './repo'
import { iceSettings, remotePolicy, updateIceSettings, updateRemotePolicy } from './settings'
import { listTransfers } from './transfers'

/**
 * xterm injects <style> elements, which the app-wide CSP (style-src 'self') blocks; pages that
 * host a terminal allow inline styles (never inline scripts). Links to them skip hx-boost so
 * the page's own CSP applies.
 */
function allowInlineStyles(set: PageContext['set']) {
  const csp = String(set.headers['content-security-policy'] ?? '')
  set.headers['content-security-policy'] = csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
}

/** toSessionPage navigates to a session page with a full page load, htmx or not (its own CSP must apply). */
function toSessionPage(c: PageContext, id: string): string {
  if (!isHtmx(c.request)) return redirect(c, `/remote/sessions/${id}`)
  c.set.status = 200
  c.set.headers[HX.redirect] = `/remote/sessions/${id}`
  return ''
}

export function remotePageRoutes(ctx: AppContext) {
  async function policyView(actor: UserActor, orgId: string): Promise<RemotePolicyView> {
    const p = await remotePolicy(ctx, orgId)
    return { requireMfa: p.requireMfa, allowDesktop: p.allowDesktop, recordTerminal: p.recordTerminal, idleTimeoutMinutes: p.idleTimeoutMinutes, mfaCovered: mfaCovered(ctx, actor) }
  }

  async function devicePage(c: PageContext, id: string, errors?: FieldErrors, status = 200) {
    const actor = userOf(c.actor)
    const device = await getDevice(ctx, actor, id, 'remote:access')
    const place = await deviceNames(ctx.db, device.id)
    const [live, recent, recordings, transfers] = await Promise.all([
      listSessions(ctx, actor, { deviceId: device.id, live: true }),
      listSessions(ctx, actor, { deviceId: device.id, ended: true, limit: 20 }),
      listRecordings(ctx, actor, { deviceId: device.id, limit: 20 }),
      listTransfers(ctx, actor, { deviceId: device.id, limit: 20 }),
    ])
    return render(c, (
      <RemoteDevicePage
        page={await pageProps(ctx, c)} policy={await policyView(actor, device.orgId)} live={live} recent={recent} recordings={recordings} transfers={transfers}
        canManage={can(actor.scope, 'remote:manage', device.orgId)} errors={errors}
        device={{ id: device.id, name: deviceName(device), status: device.status, osType: device.osType, orgId: device.orgId, orgName: place?.orgName ?? '', siteName: place?.siteName ?? '', connected: ctx.agents.isConnected(device.id) }}
      />
    ), status)
  }

  async function settingsPage(c: PageContext, extra: { errors?: { orgId?: string; fields?: FieldErrors; ice?: FieldErrors }; values?: Record<string, unknown>; savedOrgId?: string } = {}, status = 200) {
    const actor = userOf(c.actor)
    const orgIds = orgIdsWith(actor.scope, 'remote:manage')
    const names = await orgNames(ctx.db, orgIds)
    const orgs = await Promise.all(names.map(async (o) => ({ orgId: o.id, orgName: o.name, policy: await remotePolicy(ctx, o.id) })))
    const ice = actor.scope.platformAdmin ? await iceSettings(ctx) : null
    return render(c, <RemoteSettingsPage page={await pageProps(ctx, c)} orgs={orgs} ice={ice} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.remote.pages' })
    .use(actorPlugin(ctx))
    .get('/devices/:id/remote', (c) => devicePage(c, c.params.id), { params: idParams })
    .get('/devices/:id/remote/capabilities', async (c) => {
      const actor = userOf(c.actor)
      const device = await getDevice(ctx, actor, c.params.id, 'remote:access')
      const policy = await policyView(actor, device.orgId)
      try {
        const caps = await remoteCapabilities(ctx, actor, device.id)
        return render(c, <CapabilitiesPanel deviceId={device.id} csrf={c.csrfToken} caps={caps} policy={policy} />)
      } catch (err) {
        return render(c, <CapabilitiesPanel deviceId={device.id} csrf={c.csrfToken} caps={null} policy={policy} error={(err as Error).message} />)
      }
    }, { params: idParams })
    .post('/devices/:id/remote/sessions', async (c) => {
      const form = checkValues(startSessionForm, formTypes(formObject(startSessionForm, c.body), { integers: ['monitor'] }))
      if (!form.ok) return devicePage(c, c.params.id, form.errors, 400)
      try {
        const { session } = await startSession(ctx, userOf(c.actor), { deviceId: c.params.id, ...form.value })
        return toSessionPage(c, session.id)
      } catch (err) {
        const errors = fieldErrorsOf(err)
        return devicePage(c, c.params.id, errors.mfaCode ? errors : { form: Object.values(errors)[0] }, 400)
      }
    }, { params: idParams })
    .get('/remote/sessions', async (c) => {
      const actor = userOf(c.actor)
      const [live, recent, recordings, transfers] = await Promise.all([
        listSessions(ctx, actor, { live: true, limit: 200 }),
        listSessions(ctx, actor, { ended: true, limit: 50 }),
        listRecordings(ctx, actor, { limit: 20 }),
        listTransfers(ctx, actor, { limit: 20 }),
      ])
      return render(c, <RemoteSessionsPage page={await pageProps(ctx, c)} live={live} recent={recent} recordings={recordings} transfers={transfers} manageOrgIds={orgIdsWith(actor.scope, 'remote:manage')} />)
    })
    .get('/remote/sessions/:id', async (c) => {
      const actor = userOf(c.actor)
      let session = await getSession(ctx, actor, c.params.id)
      const live = isLive(ctx, session)
      const joined = live ? await joinSession(ctx, actor, session.id) : null
      if (joined) session = joined.session
      const [names, recording, transfers] = await Promise.all([
        sessionNames(ctx.db, session.id), recordingOfSession(ctx, session.id), session.type === 'files' && !live ? listTransfers(ctx, actor, { sessionId: session.id }) : [],
      ])
      if (live || recording) allowInlineStyles(c.set)
      return render(c, (
        <RemoteSessionPage page={await pageProps(ctx, c)} v={{
          session, deviceName: names ? names.displayName || names.hostname : 'a removed device', userName: names?.userName ?? 'someone', live, role: joined?.role ?? 'view',
          ticket: joined?.ticket ?? null, canEnd: session.userId === actor.user.id || can(actor.scope, 'remote:manage', session.orgId), recording: recording ?? null, transfers,
        }} />
      ))
    }, { params: idParams })
    .post('/remote/sessions/:id/end', async (c) => {
      const actor = userOf(c.actor)
      const row = await closeSession(ctx, actor, c.params.id)
      setFlash(c.cookie, { kind: 'success', text: row.userId === actor.user.id ? 'Session ended.' : 'Session killed: the device closes it within seconds.' })
      return toSessionPage(c, row.id)
    }, { params: idParams })
    .get('/remote/settings', (c) => settingsPage(c))
    .post('/remote/settings/ice', async (c) => {
      const form = checkValues(iceSettingsBody, formTypes(formObject(iceSettingsBody, c.body), { booleans: ['clearCredential'] }))
      if (!form.ok) return settingsPage(c, { errors: { ice: form.errors } }, 400)
      try {
        await updateIceSettings(ctx, userOf(c.actor), form.value)
      } catch (err) {
        return settingsPage(c, { errors: { ice: fieldErrorsOf(err) } }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'STUN/TURN servers saved.' })
      return redirect(c, '/remote/settings')
    })
    .post('/remote/settings/:orgId', async (c) => {
      const values = formTypes(formObject(remoteSettingsBody, c.body), { booleans: ['requireMfa', 'recordTerminal', 'rootsApplyToAdmins', 'allowDesktop'], integers: ['recordingRetentionDays', 'idleTimeoutMinutes'] })
      const form = checkValues(remoteSettingsBody, values)
      if (!form.ok) return settingsPage(c, { errors: { orgId: c.params.orgId, fields: form.errors }, values }, 400)
      try {
        await updateRemotePolicy(ctx, userOf(c.actor), c.params.orgId, form.value)
      } catch (err) {
        return settingsPage(c, { errors: { orgId: c.params.orgId, fields: fieldErrorsOf(err) }, values }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Remote access policy saved.' })
      return redirect(c, `/remote/settings#policy-${c.params.orgId}`)
    }, { params: orgParams })
}
