// The user's own account pages and API: profile, password, MFA, API keys.
import { Elysia, t } from 'elysia'
import { AccountPage, ApiKeysPage, MfaPage, StepUpPage } from '../../views/account/pages'
import type { AppContext } from '../context'
import { mfaRequiredFor } from '../tenancy/users-repo'
import { listOrgNames } from '../tenancy/repo'
import { orgIdsWith, permissionsAnywhere } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { setSessionCookie } from '../web/cookies'
import { csrfTokenFor } from '../web/csrf'
import { fieldErrorsOf, parseForm } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, safeNext, setFlash } from '../web/render'
import { changePassword, disableMfa, enableMfa, pendingMfaSetup, regenerateRecoveryCodes, startMfaSetup, updateProfile } from './account'
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys'
import { countUnusedRecoveryCodes } from './recovery-code-repo'
import { changePasswordBody, createApiKeyBody, enableMfaBody, passwordConfirmBody, profileBody, stepUpBody } from './model'
import { getFleetSettings, getSecuritySettings } from '../settings/service'
import { stepUpFresh } from './fleet-guard'
import { stepUp } from './step-up'
import { listUserSessions, sessionMaxAgeMs } from './session-repo'

export function accountRoutes(ctx: AppContext) {
  const mfa = { allowMfaEnrollment: true }

  async function accountPage(c: PageContext, errors?: Record<string, string>, status = 200) {
    const page = await pageProps(ctx, c)
    const actor = userOf(c.actor)
    return render(c, <AccountPage page={page} errors={errors} sessions={await listUserSessions(ctx.db, actor.user.id)} currentSessionId={actor.session?.id ?? null} />, status)
  }

  async function mfaPage(c: PageContext, extra: { errors?: Record<string, string>; recoveryCodes?: string[]; csrf?: string } = {}, status = 200) {
    const page = { ...(await pageProps(ctx, c, mfa)), ...(extra.csrf ? { csrf: extra.csrf } : {}) }
    const actor = userOf(c.actor, mfa)
    const pending = await pendingMfaSetup(ctx, actor)
    return render(c, <MfaPage page={page} {...extra} enabled={actor.user.mfaEnabled} pending={pending} unusedCodes={await countUnusedRecoveryCodes(ctx.db, actor.user.id)} required={await mfaRequiredFor(ctx.db, actor.user.id)} />, status)
  }

  async function keysPage(c: PageContext, extra: { errors?: Record<string, string>; values?: Record<string, unknown>; created?: { key: string; name: string } } = {}, status = 200) {
    const page = await pageProps(ctx, c)
    const actor = userOf(c.actor)
    const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'orgs:read'))
    return render(c, <ApiKeysPage page={page} {...extra} keys={await listApiKeys(ctx, actor)} orgs={orgs} permissions={[...permissionsAnywhere(actor.scope)].sort()} />, status)
  }

  async function stepUpPage(c: PageContext, next: string, errors?: Record<string, string>, status = 200) {
    const actor = userOf(c.actor)
    const { stepUpMinutes } = await getFleetSettings(ctx)
    const at = actor.session?.stepUpAt ?? null
    const validUntil = stepUpFresh(at, ctx.clock.now(), stepUpMinutes) ? at! + stepUpMinutes * 60_000 : null
    return render(c, <StepUpPage page={await pageProps(ctx, c)} errors={errors} next={safeNext(next, '')} mfaEnabled={actor.user.mfaEnabled} validMinutes={stepUpMinutes} validUntil={validUntil} />, status)
  }

  return new Elysia({ name: 'breeze.account.routes' })
    .use(actorPlugin(ctx))
    // ---- step-up (fleet-wide actions, src/auth/fleet-guard.ts) ----
    .get('/account/step-up', (c) => stepUpPage(c, c.query.next ?? ''), { query: t.Object({ next: t.Optional(t.String({ maxLength: 2000 })) }) })
    .post('/account/step-up', async (c) => {
      const form = parseForm(stepUpBody, c.body)
      const next = String((c.body as Record<string, unknown> | undefined)?.next ?? '')
      if (!form.ok) return stepUpPage(c, next, form.errors, 400)
      try {
        const r = await stepUp(ctx, userOf(c.actor), form.value.code)
        setFlash(c.cookie, { kind: 'success', text: `Confirmed: actions on many devices are allowed for the next ${r.validMinutes} minutes.` })
      } catch (err) {
        return stepUpPage(c, next, fieldErrorsOf(err), 400)
      }
      return redirect(c, safeNext(next, '/'))
    })
    .post('/api/v1/auth/step-up', async (c) => {
      const r = await stepUp(ctx, userOf(c.actor), c.body.code)
      return { ok: true, stepUpAt: r.stepUpAt, validUntil: r.validUntil, validMinutes: r.validMinutes }
    }, { body: t.Omit(stepUpBody, ['next']), detail: { summary: 'Step up: confirm a TOTP or recovery code so fleet-wide actions (more than 50 devices) are allowed for a while', tags: ['auth'] } })
    .get('/account', (c) => accountPage(c))
    .post('/account/profile', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(profileBody, c.body)
      if (!form.ok) return accountPage(c, form.errors, 400)
      await updateProfile(ctx, actor, form.value.name)
      setFlash(c.cookie, { kind: 'success', text: 'Profile saved.' })
      return redirect(c, '/account')
    })
    .post('/account/password', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(changePasswordBody, c.body)
      if (!form.ok) return accountPage(c, form.errors, 400)
      try {
        const { token } = await changePassword(ctx, actor, form.value.currentPassword, form.value.newPassword)
        if (token) setSessionCookie(c.cookie, c.info, token, sessionMaxAgeMs('full', await getSecuritySettings(ctx)))
      } catch (err) {
        return accountPage(c, fieldErrorsOf(err), 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Password changed. Your other sessions were signed out.' })
      return redirect(c, '/account')
    })

    .get('/account/mfa', (c) => mfaPage(c))
    .post('/account/mfa/setup', async (c) => {
      await startMfaSetup(ctx, userOf(c.actor, mfa))
      return redirect(c, '/account/mfa')
    })
    .post('/account/mfa/enable', async (c) => {
      const actor = userOf(c.actor, mfa)
      const form = parseForm(enableMfaBody, c.body)
      if (!form.ok) return mfaPage(c, { errors: form.errors }, 400)
      try {
        const { recoveryCodes, token, sessionId } = await enableMfa(ctx, actor, form.value.code, form.value.password)
        if (token) setSessionCookie(c.cookie, c.info, token, sessionMaxAgeMs('full', await getSecuritySettings(ctx)))
        actor.user.mfaEnabled = true
        // The page below belongs to the new session: its forms need the new session's token.
        return mfaPage(c, { recoveryCodes, csrf: sessionId ? csrfTokenFor(ctx.keys, { sessionId }) : undefined })
      } catch (err) {
        return mfaPage(c, { errors: fieldErrorsOf(err) }, 400)
      }
    })
    .post('/account/mfa/disable', async (c) => {
      const form = parseForm(passwordConfirmBody, c.body)
      if (!form.ok) return mfaPage(c, { errors: form.errors }, 400)
      try {
        await disableMfa(ctx, userOf(c.actor, mfa), form.value.password)
      } catch (err) {
        return mfaPage(c, { errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'info', text: 'Two-factor authentication is off.' })
      return redirect(c, '/account/mfa')
    })
    .post('/account/mfa/recovery-codes', async (c) => {
      const form = parseForm(passwordConfirmBody, c.body)
      if (!form.ok) return mfaPage(c, { errors: form.errors }, 400)
      try {
        return mfaPage(c, { recoveryCodes: await regenerateRecoveryCodes(ctx, userOf(c.actor, mfa), form.value.password) })
      } catch (err) {
        return mfaPage(c, { errors: fieldErrorsOf(err) }, 400)
      }
    })

    .get('/account/api-keys', (c) => keysPage(c))
    .post('/account/api-keys', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(createApiKeyBody, c.body)
      if (!form.ok) return keysPage(c, { errors: form.errors, values: form.values }, 400)
      const input = { ...form.value, permissions: form.value.permissions?.length ? form.value.permissions : undefined, orgIds: form.value.orgIds?.length ? form.value.orgIds : null }
      try {
        const { key, apiKey } = await createApiKey(ctx, actor, input)
        return keysPage(c, { created: { key, name: apiKey.name } })
      } catch (err) {
        return keysPage(c, { errors: fieldErrorsOf(err), values: form.value }, 400)
      }
    })
    .post('/account/api-keys/:id/revoke', async (c) => {
      await revokeApiKey(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Key revoked.' })
      return redirect(c, '/account/api-keys')
    })

    // ---- JSON API ----
    .post('/api/v1/auth/password', async (c) => {
      const { token } = await changePassword(ctx, userOf(c.actor), c.body.currentPassword, c.body.newPassword)
      if (token) setSessionCookie(c.cookie, c.info, token, sessionMaxAgeMs('full', await getSecuritySettings(ctx)))
      return { ok: true }
    }, { body: changePasswordBody, detail: { summary: 'Change your password (ends your other sessions)', tags: ['auth'] } })
    .post('/api/v1/auth/mfa/setup', async (c) => {
      const { secret, uri, qrDataUrl } = await startMfaSetup(ctx, userOf(c.actor, mfa))
      return { secret, otpauthUri: uri, qrDataUrl }
    }, { detail: { summary: 'Start TOTP enrolment: returns the secret and QR code', tags: ['auth'] } })
    .post('/api/v1/auth/mfa/enable', async (c) => {
      const { recoveryCodes, token } = await enableMfa(ctx, userOf(c.actor, mfa), c.body.code, c.body.password)
      if (token) setSessionCookie(c.cookie, c.info, token, sessionMaxAgeMs('full', await getSecuritySettings(ctx)))
      return { recoveryCodes }
    }, { body: enableMfaBody, detail: { summary: 'Confirm TOTP enrolment with a code and your password; returns 10 recovery codes', tags: ['auth'] } })
    .post('/api/v1/auth/mfa/disable', async (c) => {
      await disableMfa(ctx, userOf(c.actor, mfa), c.body.password)
      return { ok: true }
    }, { body: passwordConfirmBody, detail: { summary: 'Turn off TOTP (needs the password)', tags: ['auth'] } })
    .post('/api/v1/auth/mfa/recovery-codes', async (c) => ({ recoveryCodes: await regenerateRecoveryCodes(ctx, userOf(c.actor, mfa), c.body.password) }),
      { body: passwordConfirmBody, detail: { summary: 'Replace the recovery codes (needs the password)', tags: ['auth'] } })
    .get('/api/v1/api-keys', async (c) => ({ data: await listApiKeys(ctx, userOf(c.actor)) }), { detail: { summary: 'Your API keys', tags: ['auth'] } })
    .post('/api/v1/api-keys', async (c) => {
      const result = await createApiKey(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return { key: result.key, apiKey: result.apiKey }
    }, { body: createApiKeyBody, detail: { summary: 'Create an API key (the key is returned once)', tags: ['auth'] } })
    .delete('/api/v1/api-keys/:id', async (c) => {
      await revokeApiKey(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: t.Object({ id: t.String({ maxLength: 64 }) }), detail: { summary: 'Revoke an API key', tags: ['auth'] } })
}
