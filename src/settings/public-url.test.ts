// Host-header poisoning: links in emails, invitations, install scripts and install commands
// come from the stored public URL (confirmed at setup, edited in Settings, or fixed by
// BREEZE_PUBLIC_URL), never from Host / X-Forwarded-Host, even behind a trusted proxy.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { issueSetupToken } from '../auth/setup'
import { t } from '../db/tables'
import { createLogger } from '../lib/log'
import { makeOrg, makeSite, makeUser, setupAdmin, testPassword } from '../testing/factories'
import { startSmtpServer } from '../testing/smtp'
import { startTestServer, type TestServer } from '../testing/server'
import type { TestClient } from '../testing/client'
import { getPublicUrl, isLoopbackUrl, normalizePublicUrl } from './public-url'

const evil = 'evil.example'
/**
 * Every header a forged request could use to name another host (a trusted proxy honours
 * X-Forwarded-Host). Origin names the forged host too, so the request passes the Origin check
 * as an attacker's own request would. note: the scheme stays http, so the session cookie keeps its name.
 */
const forged = { host: `${evil}:8443`, 'x-forwarded-host': evil, forwarded: `host=${evil}`, origin: `http://${evil}`, referer: `http://${evil}/` }
const publicUrl = 'https://rmm.example.com/breeze'

describe('normalizePublicUrl / isLoopbackUrl', () => {
  test.each([
    ['https://rmm.example.com', 'https://rmm.example.com'], ['https://rmm.example.com/', 'https://rmm.example.com'], [' http://10.0.0.5:3000/ ', 'http://10.0.0.5:3000'],
    ['https://RMM.Example.com/sub/', 'https://rmm.example.com/sub'], ['http://[fd00::1]:3000', 'http://[fd00::1]:3000'],
  ])('accepts %s', (input, out) => expect(normalizePublicUrl(input)).toBe(out))

  test.each([
    'rmm.example.com', 'ftp://rmm.example.com', 'javascript:alert(1)', 'https://user:pw@rmm.example.com', 'https://rmm.example.com/?x=1', 'https://rmm.example.com/#x',
    "https://rmm.example.com/'$(id)'", 'https://rmm example.com', 'https://', '', 'https://rmm.example.com/;rm', 'https://rm$m.example.com',
  ])('refuses %p', (input) => expect(() => normalizePublicUrl(input)).toThrow())

  test('loopback URLs are recognised', () => {
    for (const u of ['http://localhost:3000', 'http://LOCALHOST', 'http://app.localhost', 'http://127.0.0.1:3000', 'http://127.8.9.1', 'http://[::1]:3000', 'http://0.0.0.0:3000', 'http://[::ffff:127.0.0.1]']) expect(isLoopbackUrl(u)).toBe(true)
    for (const u of ['https://rmm.example.com', 'http://10.0.0.5', 'http://[fd00::1]', 'http://localhost.example.com', 'http://128.0.0.1']) expect(isLoopbackUrl(u)).toBe(false)
  })
})

describe('with a trusted proxy and forged host headers', () => {
  let s: TestServer
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  let admin: TestClient
  let orgId: string
  let siteId: string
  let viewerRole: string

  beforeAll(async () => {
    s = await startTestServer({ env: { BREEZE_TRUST_PROXY: '1' } })
    smtp = await startSmtpServer()
  })
  afterAll(async () => {
    await s.stop()
    await smtp.close()
  })

  test('setup asks for the public URL (never proposing the Host header) and stores what the administrator confirmed', async () => {
    const token = (await issueSetupToken(s.ctx))!
    const c = s.client()
    const page = await c.request('GET', `/setup?token=${token}`, { headers: forged })
    expect(page.status).toBe(200)
    expect(page.text).toContain('name="publicUrl"')
    expect(page.text).toContain('data-proposed="true"')
    expect(page.text).not.toContain(evil)
    const form = { _csrf: c.csrf, token, partnerName: 'Acme IT', name: 'Ada', email: 'ada@example.com', password: 'a strong passphrase' }
    const missing = await c.request('POST', '/setup', { form, headers: forged })
    expect(missing.status).toBe(400)
    expect(missing.text).toContain('give the URL people and agents reach Breeze at')
    for (const bad of ['javascript:alert(1)', `https://${evil}/?x`, "https://a.example/'$(id)'"]) {
      const res = await c.request('POST', '/setup', { form: { ...form, publicUrl: bad }, headers: forged })
      expect(res.status).toBe(400)
    }
    expect(await s.ctx.db.select().from(t.users)).toEqual([])
    const ok = await c.request('POST', '/setup', { form: { ...form, publicUrl: `${publicUrl}/` }, headers: forged })
    expect(ok.status).toBe(303)
    expect(await getPublicUrl(s.ctx)).toMatchObject({ url: publicUrl, source: 'setup', fixed: false, loopback: false, warning: null })
    const [audit] = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'setup.complete'))
    expect(audit.details).toMatchObject({ via: 'web', publicUrl })

    admin = s.client()
    expect((await admin.login('ada@example.com', 'a strong passphrase')).status).toBe(200)
    const partnerId = (await s.ctx.db.select({ id: t.partners.id }).from(t.partners))[0].id
    orgId = (await makeOrg(s.ctx, partnerId, 'Customer')).id
    siteId = (await makeSite(s.ctx, orgId, 'HQ')).id
    viewerRole = (await admin.get('/api/v1/roles')).json.data.find((r: { key: string }) => r.key === 'org_viewer').id
  })

  test('invitation links (returned and emailed) use the public URL', async () => {
    const res = await admin.request('POST', '/api/v1/users', { json: { email: 'inv1@example.com', membership: { orgId, roleId: viewerRole } }, headers: forged })
    expect(res.status).toBe(201)
    expect(res.json.inviteUrl).toStartWith(`${publicUrl}/invite/`)
    expect(res.text).not.toContain(evil)
    await admin.get('/users/invite')
    const page = await admin.request('POST', '/users/invite', { form: { _csrf: admin.csrf, email: 'inv2@example.com', kind: 'org', orgId, orgRoleId: viewerRole }, headers: forged })
    expect(page.status).toBeLessThan(400)
    expect(page.text).toContain(`${publicUrl}/invite/`)
    expect(page.text).not.toContain(evil)

    expect((await admin.put('/api/v1/settings/smtp', { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'breeze@example.com' })).status).toBe(200)
    const emailed = await admin.request('POST', '/api/v1/users', { json: { email: 'inv3@example.com', membership: { orgId, roleId: viewerRole } }, headers: forged })
    expect(emailed.json.emailed).toBe(true)
    const mail = await smtp.next('inv3@example.com')
    expect(mail.raw).toContain(`${publicUrl}/invite/`)
    expect(mail.raw).not.toContain(evil)
    const invited = emailed.json.user.id
    const resend = await admin.request('POST', `/users/${invited}/resend`, { form: { _csrf: admin.csrf }, headers: forged })
    expect(resend.status).toBeLessThan(400)
    const again = await smtp.next('inv3@example.com')
    expect(again.raw).toContain(`${publicUrl}/invite/`)
    expect(again.raw).not.toContain(evil)
  })

  test('password-reset emails link to the public URL (form and API)', async () => {
    await makeUser(s.ctx, 'tech@example.com', 'org_technician', { orgId })
    const anon = s.client()
    await anon.get('/forgot-password')
    const viaForm = await anon.request('POST', '/forgot-password', { form: { _csrf: anon.csrf, email: 'tech@example.com' }, headers: forged })
    expect(viaForm.status).toBe(200)
    const first = await smtp.next('tech@example.com')
    expect(first.raw).toContain(`${publicUrl}/reset-password?token=`)
    expect(first.raw).not.toContain(evil)
    const viaApi = await s.client().request('POST', '/api/v1/auth/forgot-password', { json: { email: 'tech@example.com' }, headers: forged })
    expect(viaApi.status).toBe(202)
    const second = await smtp.next('tech@example.com')
    expect(second.raw).toContain(`${publicUrl}/reset-password?token=`)
    expect(second.raw).not.toContain(evil)
  })

  test('install.sh, install.ps1 and the Add device commands name the public URL', async () => {
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, siteId, name: 'k' })).json.key
    for (const script of ['install.sh', 'install.ps1']) {
      const res = await fetch(`${s.url}/${script}?key=${key}`, { headers: forged })
      const text = await res.text()
      expect(text).toContain(`'${publicUrl}'`)
      expect(text).not.toContain(evil)
    }
    await admin.get('/devices/add')
    const created = await admin.request('POST', '/devices/add', { form: { _csrf: admin.csrf, target: `site:${orgId}:${siteId}`, name: 'forged', expiresInDays: '7' }, headers: forged })
    expect(created.status).toBe(201)
    expect(created.text).toContain(`${publicUrl}/install.sh?key=`)
    expect(created.text).not.toContain(evil)
    expect(created.text).not.toContain('id="public-url-warning"')
  })

  test('a platform administrator edits the public URL in Settings (audited); others cannot; bad values are refused', async () => {
    const page = await admin.get('/settings')
    expect(page.text).toContain('id="public-url"')
    expect(page.text).toContain(`value="${publicUrl}"`)
    expect(page.text).not.toContain('role="alert"')
    for (const bad of ['rmm.example.com', 'javascript:alert(1)', 'https://u:p@rmm.example.com', 'https://rmm.example.com/?a=b', "https://x.example/'"]) {
      const res = await admin.put('/api/v1/settings/public-url', { url: bad })
      expect(res.status).toBe(400)
      expect(res.json.error.details.field).toBe('url')
    }
    const form = await admin.form('/settings/public-url', { url: 'not a url' })
    expect(form.status).toBe(400)
    expect(form.text).toContain('give the URL people and agents reach Breeze at')

    const partnerAdmin = await makeUser(s.ctx, 'padmin@example.com', 'partner_admin', { partnerId: (await s.ctx.db.select({ id: t.partners.id }).from(t.partners))[0].id })
    const other = s.client()
    await other.login(partnerAdmin.email, testPassword)
    expect((await other.put('/api/v1/settings/public-url', { url: `https://${evil}` })).status).toBe(403)
    expect((await getPublicUrl(s.ctx)).url).toBe(publicUrl)

    const saved = await admin.form('/settings/public-url', { url: 'https://new.example.com:8443/' })
    expect(saved.status).toBe(303)
    expect((await getPublicUrl(s.ctx))).toMatchObject({ url: 'https://new.example.com:8443', source: 'settings' })
    const [audit] = await s.ctx.db.select().from(t.auditLogs).where(eq(t.auditLogs.action, 'settings.public_url.update'))
    expect(audit.details).toEqual({ from: publicUrl, to: 'https://new.example.com:8443' })
    const key = (await admin.post('/api/v1/enrollment-keys', { orgId, siteId, name: 'k2' })).json.key
    expect(await (await fetch(`${s.url}/install.sh?key=${key}`, { headers: forged })).text()).toContain("SERVER='https://new.example.com:8443'")
    expect((await admin.get('/api/v1/settings')).json.publicUrl).toMatchObject({ url: 'https://new.example.com:8443', source: 'settings', fixed: false })
  })

  test('a loopback public URL is warned about in Settings and on Add device', async () => {
    expect((await admin.put('/api/v1/settings/public-url', { url: 'http://localhost:3000' })).status).toBe(200)
    const settings = await admin.get('/settings')
    expect(settings.text).toContain('role="alert"')
    expect(settings.text).toContain('only this server itself can reach')
    const add = await admin.get('/devices/add')
    expect(add.text).toContain('id="public-url-warning"')
    expect(add.text).toContain('only this server itself can reach')
  })
})

describe('fixed by BREEZE_PUBLIC_URL', () => {
  test('Settings shows it read-only, setup does not ask for it, and a loopback value is warned about at start', async () => {
    const lines: string[] = []
    const s = await startTestServer({ env: { BREEZE_PUBLIC_URL: 'http://127.0.0.1:3999/' }, log: createLogger('warn', (l) => lines.push(l)) })
    try {
      expect(lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn' && l.publicUrl === 'http://127.0.0.1:3999')?.msg).toContain('only this server itself can reach')
      const token = (await issueSetupToken(s.ctx))!
      const setup = await s.client().get(`/setup?token=${token}`)
      expect(setup.text).not.toContain('name="publicUrl"')
      expect(setup.text).toContain('http://127.0.0.1:3999')
      await setupAdmin(s.ctx)
      const c = s.client()
      await c.login('admin@example.com', testPassword)
      const put = await c.put('/api/v1/settings/public-url', { url: 'https://rmm.example.com' })
      expect(put.status).toBe(400)
      expect(put.json.error.message).toContain('BREEZE_PUBLIC_URL')
      const page = await c.get('/settings')
      expect(page.text).not.toContain('action="/settings/public-url"')
      expect(page.text).toContain('only this server itself can reach')
    } finally {
      await s.stop()
    }
  })

  test('an unusable BREEZE_PUBLIC_URL stops the start with a message', async () => {
    await expect(startTestServer({ env: { BREEZE_PUBLIC_URL: "https://x.example/'$(id)'" } })).rejects.toThrow(/BREEZE_PUBLIC_URL/)
  })
})
