import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { issueSetupToken } from './setup'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let token: string

beforeAll(async () => {
  s = await startTestServer()
  token = (await issueSetupToken(s.ctx))!
})
afterAll(() => s.stop())

const setupForm = (email: string) => ({ token, partnerName: 'Acme IT', name: 'Ada', email, password: 'a strong passphrase', publicUrl: 'https://rmm.example.com' })

describe('first-run setup', () => {
  test('the home page tells a fresh install to use the setup link', async () => {
    const res = await s.client().get('/')
    expect(res.status).toBe(200)
    expect(res.text).toContain('not set up yet')
  })

  test('the setup page needs the one-time token', async () => {
    expect((await s.client().get('/setup')).status).toBe(404)
    expect((await s.client().get('/setup?token=wrong')).status).toBe(404)
    const ok = await s.client().get(`/setup?token=${token}`)
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('Create administrator')
  })

  test('a wrong token cannot complete setup', async () => {
    const c = s.client()
    await c.get('/')
    const res = await c.form('/setup', { ...setupForm('x@example.com'), token: 'nope' })
    expect(res.status).toBe(404)
  })

  test('a weak password is refused with the field named and nothing created', async () => {
    const c = s.client()
    await c.get(`/setup?token=${token}`)
    const res = await c.form('/setup', { ...setupForm('ada@example.com'), password: 'short' })
    expect(res.status).toBe(400)
    expect(res.text).toContain('at least 10 characters')
    expect((await s.client().login('ada@example.com', 'short')).status).toBe(401)
  })

  test('two concurrent setups create exactly one administrator', async () => {
    const a = s.client()
    const b = s.client()
    await a.get(`/setup?token=${token}`)
    await b.get(`/setup?token=${token}`)
    const [ra, rb] = await Promise.all([a.form('/setup', setupForm('ada@example.com')), b.form('/setup', setupForm('bob@example.com'))])
    const statuses = [ra.status, rb.status].sort()
    expect(statuses).toEqual([303, 404])
    const winner = ra.status === 303 ? 'ada@example.com' : 'bob@example.com'
    const loser = winner === 'ada@example.com' ? 'bob@example.com' : 'ada@example.com'
    expect((await s.client().login(winner, 'a strong passphrase')).status).toBe(200)
    expect((await s.client().login(loser, 'a strong passphrase')).status).toBe(401)
  })

  test('after setup every spelling of /setup is gone, whatever is posted', async () => {
    for (const path of ['/setup', '/setup/', '/setup/x', '/%73etup', `/setup?token=${token}`]) {
      expect((await s.client().get(path)).status).toBe(404)
      const c = s.client()
      await c.get('/login')
      expect((await c.form(path, setupForm('eve@example.com'))).status).toBe(404)
    }
    expect((await s.client().login('eve@example.com', 'a strong passphrase')).status).toBe(401)
  })
})
