// Sign-in, sign-out, first-run setup, password reset and invitations: the HTML pages and the
// JSON endpoints, both thin adapters over the auth services.
import { Elysia, t } from 'elysia'
import { AcceptInvitePage, ForgotPasswordPage, LoginPage, MfaLoginPage, ResetPasswordPage, SetupPage } from '../../views/auth/pages'
import type { AppContext } from '../context'
import { NotFoundError, UnauthorizedError } from '../lib/errors'
import { getPublicUrl } from '../settings/public-url'
import { getSecuritySettings } from '../settings/service'
import { findLiveOrg } from '../tenancy/repo'
import { permissionsAnywhere } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { clearSessionCookie, setSessionCookie } from '../web/cookies'
import { csrfTokenFor } from '../web/csrf'
import { fieldErrorsOf, parseForm } from '../web/forms'
import { bareProps } from '../web/page'
import { redirect, refererPath, render, safeNext, setFlash } from '../web/render'
import { completeMfaLogin, login, logout, type LoginResult } from './login'
import { acceptInviteBody, forgotPasswordBody, loginBody, mfaCodeBody, resetPasswordBody, setupBody, switchOrgBody } from './model'
import { acceptInvite, invitationFor, requestPasswordReset, resetPassword } from './recovery'
import { completeSetup, isInitialized, setupTokenValid } from './setup'
import { sessionMaxAgeMs, setActiveOrg } from './session-repo'

export function authRoutes(ctx: AppContext) {
  const sessionMaxAge = async (r: LoginResult) => sessionMaxAgeMs(r.stage, await getSecuritySettings(ctx))
  /**
   * What the setup page shows as the public URL: the fixed one (--public-url), else an empty
   * field the page's script fills with the address this browser reached Breeze at, for the
   * administrator to confirm. note: never the Host header, not even as a proposal.
   */
  const setupPublicUrl = async () => {
    const current = await getPublicUrl(ctx)
    return { fixed: current.fixed, url: current.fixed ? current.url : '' }
  }

  return new Elysia({ name: 'breeze.auth.routes' })
    .use(actorPlugin(ctx))

    // ---- first-run setup: exists only until the first admin is created ----
    .get('/setup', async (c) => {
      if (await isInitialized(ctx)) throw new NotFoundError('page')
      const token = String(c.query.token ?? '')
      if (!(await setupTokenValid(ctx, token))) throw new NotFoundError('page (open the setup link printed in the server log)')
      return render(c, <SetupPage page={bareProps(c)} token={token} publicUrl={await setupPublicUrl()} />)
    })
    .post('/setup', async (c) => {
      if (await isInitialized(ctx)) throw new NotFoundError('page')
      const form = parseForm(setupBody, c.body)
      const token = String((c.body as Record<string, unknown>)?.token ?? '')
      if (!(await setupTokenValid(ctx, token))) throw new NotFoundError('page')
      const publicUrl = await setupPublicUrl()
      if (!form.ok) return render(c, <SetupPage page={bareProps(c)} token={token} errors={form.errors} values={form.values} publicUrl={publicUrl} />, 400)
      try {
        await completeSetup(ctx, form.value, 'web', c.actor.audit)
      } catch (err) {
        return render(c, <SetupPage page={bareProps(c)} token={token} errors={fieldErrorsOf(err)} values={form.value} publicUrl={publicUrl} />, 400)
      }
      const result = await login(ctx, c.actor.audit, form.value.email, form.value.password)
      setSessionCookie(c.cookie, c.info, result.token, await sessionMaxAge(result))
      setFlash(c.cookie, { kind: 'success', text: 'Breeze is ready. Next: create an organization for your first customer, and turn on two-factor authentication for your account.' })
      return redirect(c, '/orgs')
    })

    // ---- sign in / out ----
    .get('/login', (c) => {
      if (c.actor.kind === 'user') return redirect(c, safeNext(c.query.next))
      return render(c, <LoginPage page={bareProps(c)} next={safeNext(c.query.next, '')} />)
    })
    .post('/login', async (c) => {
      const form = parseForm(loginBody, c.body)
      if (!form.ok) return render(c, <LoginPage page={bareProps(c)} errors={form.errors} values={form.values} />, 400)
      let result: LoginResult
      try {
        result = await login(ctx, c.actor.audit, form.value.email, form.value.password)
      } catch (err) {
        return render(c, <LoginPage page={bareProps(c)} errors={{ form: (err as Error).message }} values={{ email: form.value.email }} next={form.value.next} />, 401)
      }
      setSessionCookie(c.cookie, c.info, result.token, await sessionMaxAge(result))
      const next = safeNext(form.value.next)
      return redirect(c, result.stage === 'mfa' ? `/login/mfa?next=${encodeURIComponent(next)}` : next)
    })
    .get('/login/mfa', (c) => {
      if (c.session?.stage !== 'mfa') return redirect(c, '/login')
      return render(c, <MfaLoginPage page={bareProps(c)} next={safeNext(c.query.next, '')} />)
    })
    .post('/login/mfa', async (c) => {
      if (c.session?.stage !== 'mfa') return redirect(c, '/login')
      const form = parseForm(mfaCodeBody, c.body)
      if (!form.ok) return render(c, <MfaLoginPage page={bareProps(c)} errors={form.errors} />, 400)
      let result: LoginResult
      try {
        result = await completeMfaLogin(ctx, c.actor.audit, c.session, form.value.code)
      } catch (err) {
        return render(c, <MfaLoginPage page={bareProps(c)} errors={{ form: (err as Error).message }} next={form.value.next} />, 401)
      }
      setSessionCookie(c.cookie, c.info, result.token, await sessionMaxAge(result))
      return redirect(c, safeNext(form.value.next))
    })
    .post('/logout', async (c) => {
      if (c.session) await logout(ctx, c.actor.audit, c.session)
      clearSessionCookie(c.cookie, c.info)
      return redirect(c, '/login')
    })

    // ---- password reset and invitations ----
    .get('/forgot-password', (c) => render(c, <ForgotPasswordPage page={bareProps(c)} />))
    .post('/forgot-password', async (c) => {
      const form = parseForm(forgotPasswordBody, c.body)
      if (!form.ok) return render(c, <ForgotPasswordPage page={bareProps(c)} errors={form.errors} values={form.values} />, 400)
      await requestPasswordReset(ctx, c.actor.audit, form.value.email)
      return render(c, <ForgotPasswordPage page={bareProps(c)} sent />)
    })
    .get('/reset-password', (c) => render(c, <ResetPasswordPage page={bareProps(c)} token={String(c.query.token ?? '')} />))
    .post('/reset-password', async (c) => {
      const form = parseForm(resetPasswordBody, c.body)
      const token = String((c.body as Record<string, unknown>)?.token ?? '')
      if (!form.ok) return render(c, <ResetPasswordPage page={bareProps(c)} token={token} errors={form.errors} />, 400)
      try {
        await resetPassword(ctx, c.actor.audit, form.value.token, form.value.password)
      } catch (err) {
        return render(c, <ResetPasswordPage page={bareProps(c)} token={token} errors={fieldErrorsOf(err)} />, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Your password was changed. Sign in with the new one.' })
      return redirect(c, '/login')
    })
    .get('/invite/:token', async (c) => {
      const user = await invitationFor(ctx, c.params.token)
      return render(c, <AcceptInvitePage page={bareProps(c)} token={c.params.token} email={user.email} values={{ name: user.name }} />)
    })
    .post('/invite/:token', async (c) => {
      const user = await invitationFor(ctx, c.params.token)
      const form = parseForm(acceptInviteBody, c.body)
      if (!form.ok) return render(c, <AcceptInvitePage page={bareProps(c)} token={c.params.token} email={user.email} errors={form.errors} values={form.values} />, 400)
      try {
        const { token } = await acceptInvite(ctx, c.actor.audit, c.params.token, form.value.name, form.value.password)
        setSessionCookie(c.cookie, c.info, token, sessionMaxAgeMs('full', await getSecuritySettings(ctx)))
      } catch (err) {
        return render(c, <AcceptInvitePage page={bareProps(c)} token={c.params.token} email={user.email} errors={fieldErrorsOf(err)} values={form.value} />, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Welcome to Breeze.' })
      return redirect(c, '/')
    })

    // ---- org switcher ----
    .post('/session/org', async (c) => {
      const actor = userOf(c.actor)
      const form = parseForm(switchOrgBody, c.body)
      const orgId = form.ok ? form.value.orgId ?? null : null
      if (orgId && (!actor.scope.orgs.has(orgId) || !(await findLiveOrg(ctx.db, orgId)))) throw new NotFoundError('organization')
      if (actor.session) await setActiveOrg(ctx.db, actor.session.id, orgId)
      c.set.headers['HX-Refresh'] = 'true'
      return redirect(c, refererPath(c.request))
    })

    // ---- JSON API ----
    .post('/api/v1/auth/login', async (c) => {
      const result = await login(ctx, c.actor.audit, c.body.email, c.body.password)
      setSessionCookie(c.cookie, c.info, result.token, await sessionMaxAge(result))
      const csrfToken = csrfTokenFor(ctx.keys, { sessionId: result.session.id })
      if (result.stage === 'mfa') return { mfaRequired: true, csrfToken }
      return { mfaRequired: false, csrfToken, user: { id: result.user.id, email: result.user.email, name: result.user.name } }
    }, { body: t.Omit(loginBody, ['next']), detail: { summary: 'Sign in with email and password', tags: ['auth'] } })
    .post('/api/v1/auth/mfa/verify', async (c) => {
      if (c.session?.stage !== 'mfa') throw new UnauthorizedError('sign in with email and password first')
      const result = await completeMfaLogin(ctx, c.actor.audit, c.session, c.body.code)
      setSessionCookie(c.cookie, c.info, result.token, await sessionMaxAge(result))
      return { csrfToken: csrfTokenFor(ctx.keys, { sessionId: result.session.id }), user: { id: result.user.id, email: result.user.email, name: result.user.name } }
    }, { body: t.Omit(mfaCodeBody, ['next']), detail: { summary: 'Finish sign-in with a TOTP or recovery code', tags: ['auth'] } })
    .post('/api/v1/auth/logout', async (c) => {
      if (c.session) await logout(ctx, c.actor.audit, c.session)
      clearSessionCookie(c.cookie, c.info)
      return { ok: true }
    }, { detail: { summary: 'End the current session', tags: ['auth'] } })
    .post('/api/v1/auth/forgot-password', async (c) => {
      await requestPasswordReset(ctx, c.actor.audit, c.body.email)
      c.set.status = 202
      return { ok: true, message: 'if an account uses that address, a reset link was emailed' }
    }, { body: forgotPasswordBody, detail: { summary: 'Email a password reset link', tags: ['auth'] } })
    .post('/api/v1/auth/reset-password', async (c) => {
      await resetPassword(ctx, c.actor.audit, c.body.token, c.body.password)
      return { ok: true }
    }, { body: resetPasswordBody, detail: { summary: 'Set a new password with a reset token', tags: ['auth'] } })
    .get('/api/v1/auth/me', (c) => {
      const actor = userOf(c.actor, { allowMfaEnrollment: true })
      return {
        user: { id: actor.user.id, email: actor.user.email, name: actor.user.name, mfaEnabled: actor.user.mfaEnabled, isPlatformAdmin: actor.scope.platformAdmin },
        permissions: [...permissionsAnywhere(actor.scope)].sort(),
        orgIds: [...actor.scope.orgs.keys()],
        viaApiKey: !!actor.apiKey,
        /** When this session last proved the second factor (sign-in or step-up); fleet-wide actions need it recent. */
        stepUpAt: actor.session?.stepUpAt ?? null,
        /** With an API key: may it act on more than 50 devices at once? */
        fleetKey: actor.apiKey ? actor.apiKey.fleet : null,
      }
    }, { detail: { summary: 'The caller: user, permissions and visible organizations', tags: ['auth'] } })
}
