// Email-driven flows against a real local SMTP server: SMTP settings + test email,
// invitation, password reset.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { setupAdmin, testPassword } from '../testing/factories'
import { mailText, startSmtpServer } from '../testing/smtp'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'

let s: TestServer
let smtp: Awaited<ReturnType<typeof startSmtpServer>>
let admin: Awaited<ReturnType<typeof setupAdmin>>
let adminClient: TestClient
let orgId: string
let viewerRole: string

beforeAll(async () => {
  s = await startTestServer()
  smtp = await startSmtpServer()
  admin = await setupAdmin(s.ctx)
  adminClient = s.client()
  await adminClient.login(admin.email, testPassword)
  orgId = (await adminClient.post('/api/v1/orgs', { name: 'Customer One' })).json.id
  viewerRole = (await adminClient.get('/api/v1/roles')).json.data.find((r: { key: string }) => r.key === 'org_viewer').id
})
afterAll(async () => {
  await s.stop()
  await smtp.close()
})

describe('without SMTP', () => {
  test('an invitation returns the link for the admin to pass on', async () => {
    const res = await adminClient.post('/api/v1/users', { email: 'nomail@example.com', membership: { orgId, roleId: viewerRole } })
    expect(res.status).toBe(201)
    expect(res.json.emailed).toBe(false)
    expect(res.json.inviteUrl).toMatch(/\/invite\/[\w-]+$/)
  })

  test('the test-email button explains that email is not set up', async () => {
    const res = await adminClient.post('/api/v1/settings/smtp/test', { to: 'ops@example.com' })
    expect(res.status).toBe(502)
    expect(res.json.message).toMatch(/not set up/)
  })
})

describe('with SMTP', () => {
  test('settings are saved, the password is never returned, and a test email arrives', async () => {
    const bad = await adminClient.put('/api/v1/settings/smtp', { host: '127.0.0.1', port: 70000, security: 'none', from: 'breeze@example.com' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details.field).toBe('port')
    const res = await adminClient.put('/api/v1/settings/smtp', { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'mailer', password: 'smtp-secret-pass', from: 'breeze@example.com' })
    expect(res.status).toBe(200)
    const settings = await adminClient.get('/api/v1/settings')
    expect(settings.json.smtp.passwordSet).toBe(true)
    expect(settings.text).not.toContain('smtp-secret-pass')
    const page = await adminClient.get('/settings')
    expect(page.text).not.toContain('smtp-secret-pass')
    const test = await adminClient.post('/api/v1/settings/smtp/test', { to: 'ops@example.com' })
    expect(test.status).toBe(200)
    const mail = await smtp.next('ops@example.com')
    expect(mail.raw).toContain('Breeze test email')
  })

  test('the SMTP password is stored encrypted', async () => {
    const { findSetting } = await import('../settings/repo')
    const stored = JSON.stringify(await findSetting(s.ctx.db, 'smtp'))
    expect(stored).not.toContain('smtp-secret-pass')
    expect(stored).toContain('v1:')
  })

  test('an invitation is emailed; the link sets a password once and signs the user in', async () => {
    const res = await adminClient.post('/api/v1/users', { email: 'newbie@example.com', name: 'Newbie', membership: { orgId, roleId: viewerRole } })
    expect(res.status).toBe(201)
    expect(res.json.emailed).toBe(true)
    expect(res.json.inviteUrl).toBeNull()
    const mail = mailText((await smtp.next('newbie@example.com')).raw)
    const path = /https?:\/\/[^\s/]+(\/invite\/[\w-]+)/.exec(mail)![1]
    const c = s.client()
    expect((await c.get(path)).status).toBe(200)
    expect((await c.form(path, { name: 'Newbie N', password: 'short' })).status).toBe(400)
    const accepted = await c.form(path, { name: 'Newbie N', password: 'newbie passphrase' })
    expect(accepted.status).toBe(303)
    const me = await c.get('/api/v1/auth/me')
    expect(me.json.user.name).toBe('Newbie N')
    expect(me.json.orgIds).toEqual([orgId])
    expect((await s.client().get(path)).status).toBe(404)
  })

  test('inviting an existing address adds the membership without a new account', async () => {
    const org2 = (await adminClient.post('/api/v1/orgs', { name: 'Customer Two' })).json.id
    const res = await adminClient.post('/api/v1/users', { email: 'newbie@example.com', membership: { orgId: org2, roleId: viewerRole } })
    expect(res.json.existing).toBe(true)
    expect(res.json.user.memberships).toHaveLength(2)
  })

  test('a password reset link arrives, works once, unlocks and signs out everywhere', async () => {
    const old = s.client()
    await old.login('newbie@example.com', 'newbie passphrase')
    const req = await s.client().post('/api/v1/auth/forgot-password', { email: 'newbie@example.com' })
    expect(req.status).toBe(202)
    const unknown = await s.client().post('/api/v1/auth/forgot-password', { email: 'ghost@example.com' })
    expect(unknown.status).toBe(202)
    expect(unknown.json).toEqual(req.json)
    const mail = mailText((await smtp.next('newbie@example.com')).raw)
    const token = /reset-password\?token=([\w-]+)/.exec(mail)![1]
    expect((await s.client().post('/api/v1/auth/reset-password', { token, password: 'x' })).status).toBe(400)
    expect((await s.client().post('/api/v1/auth/reset-password', { token, password: 'reset passphrase' })).status).toBe(200)
    expect((await s.client().post('/api/v1/auth/reset-password', { token, password: 'another passphrase' })).status).toBe(404)
    expect((await old.get('/api/v1/auth/me')).status).toBe(401)
    expect((await s.client().login('newbie@example.com', 'reset passphrase')).status).toBe(200)
  })

  test('a reset link expires after an hour', async () => {
    await s.client().post('/api/v1/auth/forgot-password', { email: 'newbie@example.com' })
    const token = /reset-password\?token=([\w-]+)/.exec(mailText((await smtp.next('newbie@example.com')).raw))![1]
    s.clock.advance(61 * 60_000)
    expect((await s.client().post('/api/v1/auth/reset-password', { token, password: 'late passphrase' })).status).toBe(404)
  })
})
