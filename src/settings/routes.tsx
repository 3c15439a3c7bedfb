// Appliance settings page and API (platform admins only).
import { Elysia } from 'elysia'
import { SettingsPage, type SettingsErrors } from '../../views/settings/settings-page'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { auditSettingsBody, fleetBody, outboundBody, outboundForm, publicUrlBody, scriptOutputBody, securityBody, smtpBody, testEmailBody } from './model'
import { getPublicUrl, updatePublicUrl } from './public-url'
import { getAuditSettings, getFleetSettings, getOutboundPolicy, getScriptOutputSettings, updateOutboundPolicy, getSecuritySettings, getSmtpSettings, requirePlatformAdmin, sendMail, updateSettings, updateSmtp } from './service'
import { auditEvent } from '../audit/service'

export function settingsRoutes(ctx: AppContext) {
  async function settingsPage(c: PageContext, extra: { errors?: SettingsErrors; values?: { smtp?: FormValues; security?: FormValues; audit?: FormValues; scripts?: FormValues; fleet?: FormValues; publicUrl?: FormValues; outbound?: FormValues }; testResult?: { ok: boolean; message: string } } = {}, status = 200) {
    requirePlatformAdmin(userOf(c.actor).scope)
    return render(c, <SettingsPage page={await pageProps(ctx, c)} publicUrl={await getPublicUrl(ctx)} outbound={await getOutboundPolicy(ctx)} smtp={await getSmtpSettings(ctx)} security={await getSecuritySettings(ctx)} audit={await getAuditSettings(ctx)} scripts={await getScriptOutputSettings(ctx)} fleet={await getFleetSettings(ctx)}
      version={ctx.version} database={ctx.database.dialect === 'pg' ? 'PostgreSQL' : 'SQLite'} {...extra} />, status)
  }

  /** sendTestEmail sends a test message and audits the outcome. */
  async function sendTestEmail(c: PageContext, to: string) {
    const actor = userOf(c.actor)
    requirePlatformAdmin(actor.scope)
    try {
      await sendMail(ctx, { to, subject: 'Breeze test email', text: 'This is a test email from Breeze. Email delivery works.' })
      await auditEvent(ctx, actor.audit, { action: 'settings.smtp.test', details: { to } })
      return { ok: true, message: `Sent a test email to ${to}.` }
    } catch (err) {
      await auditEvent(ctx, actor.audit, { action: 'settings.smtp.test', result: 'failure', details: { to }, errorMessage: (err as Error).message })
      return { ok: false, message: (err as Error).message }
    }
  }

  return new Elysia({ name: 'breeze.settings.routes' })
    .use(actorPlugin(ctx))
    .get('/settings', (c) => settingsPage(c))
    .post('/settings/smtp', async (c) => {
      const form = parseForm(smtpBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { smtp: form.errors }, values: { smtp: form.values } }, 400)
      try {
        await updateSmtp(ctx, userOf(c.actor).scope, userOf(c.actor).audit, form.value)
      } catch (err) {
        return settingsPage(c, { errors: { smtp: fieldErrorsOf(err) }, values: { smtp: form.value } }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Email settings saved. Send a test email to check them.' })
      return redirect(c, '/settings')
    })
    .post('/settings/public-url', async (c) => {
      const form = parseForm(publicUrlBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { publicUrl: form.errors }, values: { publicUrl: form.values } }, 400)
      try {
        await updatePublicUrl(ctx, userOf(c.actor).scope, userOf(c.actor).audit, form.value.url)
      } catch (err) {
        return settingsPage(c, { errors: { publicUrl: fieldErrorsOf(err) }, values: { publicUrl: form.value } }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Public URL saved. New links and install commands use it.' })
      return redirect(c, '/settings')
    })
    .post('/settings/outbound', async (c) => {
      const form = parseForm(outboundForm, c.body)
      if (!form.ok) return settingsPage(c, { errors: { outbound: form.errors }, values: { outbound: form.values } }, 400)
      const input = { allowPrivate: form.value.allowPrivate ?? false, allowAddresses: (form.value.allowAddresses ?? '').split(/[\s,]+/).filter(Boolean) }
      try {
        await updateOutboundPolicy(ctx, userOf(c.actor).scope, userOf(c.actor).audit, input)
      } catch (err) {
        const errors = fieldErrorsOf(err)
        const field = Object.keys(errors)[0]
        return settingsPage(c, { errors: { outbound: field?.startsWith('allowAddresses') ? { allowAddresses: errors[field] } : errors }, values: { outbound: { allowPrivate: input.allowPrivate ? 'true' : '', allowAddresses: form.value.allowAddresses ?? '' } } }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Outbound request rules saved.' })
      return redirect(c, '/settings')
    })
    .post('/settings/smtp/test', async (c) => {
      const form = parseForm(testEmailBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { test: form.errors } }, 400)
      const testResult = await sendTestEmail(c, form.value.to)
      return settingsPage(c, { testResult }, testResult.ok ? 200 : 502)
    })
    .post('/settings/security', async (c) => {
      const form = parseForm(securityBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { security: form.errors }, values: { security: form.values } }, 400)
      await updateSettings(ctx, userOf(c.actor).scope, userOf(c.actor).audit, 'security', form.value)
      setFlash(c.cookie, { kind: 'success', text: 'Sign-in policy saved.' })
      return redirect(c, '/settings')
    })
    .post('/settings/audit', async (c) => {
      const form = parseForm(auditSettingsBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { audit: form.errors }, values: { audit: form.values } }, 400)
      await updateSettings(ctx, userOf(c.actor).scope, userOf(c.actor).audit, 'audit', form.value)
      setFlash(c.cookie, { kind: 'success', text: 'Retention saved.' })
      return redirect(c, '/settings')
    })

    .post('/settings/scripts', async (c) => {
      const form = parseForm(scriptOutputBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { scripts: form.errors }, values: { scripts: form.values } }, 400)
      await updateSettings(ctx, userOf(c.actor).scope, userOf(c.actor).audit, 'scripts', form.value)
      setFlash(c.cookie, { kind: 'success', text: 'Script output limits saved.' })
      return redirect(c, '/settings')
    })

    .post('/settings/fleet', async (c) => {
      const form = parseForm(fleetBody, c.body)
      if (!form.ok) return settingsPage(c, { errors: { fleet: form.errors }, values: { fleet: form.values } }, 400)
      await updateSettings(ctx, userOf(c.actor).scope, userOf(c.actor).audit, 'fleet', form.value)
      setFlash(c.cookie, { kind: 'success', text: 'Fleet-wide action rules saved.' })
      return redirect(c, '/settings')
    })

    // ---- JSON API ----
    .get('/api/v1/settings', async (c) => {
      requirePlatformAdmin(userOf(c.actor).scope)
      const smtp = await getSmtpSettings(ctx)
      return {
        publicUrl: await getPublicUrl(ctx),
        outbound: await getOutboundPolicy(ctx),
        smtp: smtp ? { host: smtp.host, port: smtp.port, security: smtp.security, username: smtp.username, from: smtp.from, passwordSet: !!smtp.passwordSealed } : null,
        security: await getSecuritySettings(ctx),
        audit: await getAuditSettings(ctx),
        scripts: await getScriptOutputSettings(ctx),
        fleet: await getFleetSettings(ctx),
      }
    }, { detail: { summary: 'Appliance settings (secrets are never returned)', tags: ['settings'] } })
    .put('/api/v1/settings/public-url', async (c) => {
      const actor = userOf(c.actor)
      return updatePublicUrl(ctx, actor.scope, actor.audit, c.body.url)
    }, { body: publicUrlBody, detail: { summary: 'Set the public URL (links in emails, install commands); refused while BREEZE_PUBLIC_URL fixes it', tags: ['settings'] } })
    .put('/api/v1/settings/outbound', async (c) => {
      const actor = userOf(c.actor)
      return updateOutboundPolicy(ctx, actor.scope, actor.audit, c.body)
    }, { body: outboundBody, detail: { summary: 'Set which private networks and exact addresses requests to user-given URLs (webhooks, channels) may reach', tags: ['settings'] } })
    .put('/api/v1/settings/smtp', async (c) => {
      const actor = userOf(c.actor)
      await updateSmtp(ctx, actor.scope, actor.audit, c.body)
      return { ok: true }
    }, { body: smtpBody, detail: { summary: 'Set SMTP settings (an empty password keeps the stored one)', tags: ['settings'] } })
    .post('/api/v1/settings/smtp/test', async (c) => {
      const result = await sendTestEmail(c, c.body.to)
      if (!result.ok) c.set.status = 502
      return result
    }, { body: testEmailBody, detail: { summary: 'Send a test email', tags: ['settings'] } })
    .put('/api/v1/settings/security', async (c) => {
      const actor = userOf(c.actor)
      await updateSettings(ctx, actor.scope, actor.audit, 'security', c.body)
      return { ok: true }
    }, { body: securityBody, detail: { summary: 'Set the sign-in policy', tags: ['settings'] } })
    .put('/api/v1/settings/audit', async (c) => {
      const actor = userOf(c.actor)
      await updateSettings(ctx, actor.scope, actor.audit, 'audit', c.body)
      return { ok: true }
    }, { body: auditSettingsBody, detail: { summary: 'Set audit log retention', tags: ['settings'] } })
    .put('/api/v1/settings/scripts', async (c) => {
      const actor = userOf(c.actor)
      await updateSettings(ctx, actor.scope, actor.audit, 'scripts', c.body)
      return { ok: true }
    }, { body: scriptOutputBody, detail: { summary: 'Set how much script output is kept (inline KiB, total MiB)', tags: ['settings'] } })
    .put('/api/v1/settings/fleet', async (c) => {
      const actor = userOf(c.actor)
      await updateSettings(ctx, actor.scope, actor.audit, 'fleet', c.body)
      return { ok: true }
    }, { body: fleetBody, detail: { summary: 'Set the rules for fleet-wide actions (more than 50 devices): step-up validity in minutes, actions per hour per organization and per partner', tags: ['settings'] } })
}
