// HTML forms: text is converted to the numbers and booleans the shared schemas want; a bad
// post (the browser's own checks bypassed) re-renders the form with what was typed and every
// field's problem, never a 500.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { t } from 'elysia'
import type { TestClient } from '../testing/client'
import { setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'
import { parseForm } from './forms'
import { int } from './model-types'

describe('parseForm', () => {
  const schema = t.Object({
    name: t.String({ minLength: 1, maxLength: 50 }),
    count: int({ minimum: 1, maximum: 10 }),
    limit: t.Optional(t.Union([int({ minimum: 1, maximum: 100 }), t.Null()])),
    enabled: t.Optional(t.Boolean()),
  })

  test('text becomes the numbers and booleans the schema wants (a ticked checkbox is "on")', () => {
    expect(parseForm(schema, { name: 'x', count: '7', limit: '50', enabled: 'on', _csrf: 'token' })).toEqual({ ok: true, value: { name: 'x', count: 7, limit: 50, enabled: true } })
    expect(parseForm(schema, { name: 'x', count: '7', enabled: 'false' })).toEqual({ ok: true, value: { name: 'x', count: 7, enabled: false } })
  })

  test('every field at fault gets its own message, and the values come back as typed', () => {
    const r = parseForm(schema, { name: '', count: '11', limit: '2.5', enabled: 'maybe' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual({ name: 'is required', count: 'must be between 1 and 10', limit: 'must be a whole number', enabled: 'must be true or false' })
    expect(r.values).toEqual({ count: '11', limit: '2.5', enabled: 'maybe' })
    expect(parseForm(schema, { name: 'x', count: 'ten' })).toMatchObject({ ok: false, errors: { count: 'must be a number' }, values: { count: 'ten' } })
  })
})

describe('a form post with out-of-range numbers', () => {
  let s: TestServer
  let admin: TestClient

  beforeAll(async () => {
    s = await startTestServer()
    const a = await setupAdmin(s.ctx)
    admin = s.client()
    await admin.login(a.email, testPassword)
  })
  afterAll(() => s.stop())

  test('re-renders the form with what was typed and every problem, and changes nothing', async () => {
    const before = (await admin.get('/api/v1/settings')).json
    const res = await admin.form('/settings/security', { sessionIdleMinutes: '999999999', sessionMaxHours: '0', lockoutThreshold: '5', lockoutMinutes: 'abc' }, '/settings')
    expect(res.status).toBe(400)
    for (const typed of ['value="999999999"', 'value="0"', 'value="abc"']) expect(res.text).toContain(typed)
    for (const problem of ['must be between 5 and 43200', 'must be between 1 and 8760', 'must be a number']) {
      // Once next to the field and once in the summary at the top of the form.
      expect(res.text.split(problem).length - 1).toBe(2)
    }
    expect(res.text).toContain('href="#f-sessionIdleMinutes"')
    expect((await admin.get('/api/v1/settings')).json).toEqual(before)
  })

  test('a form whose schema allows null or nothing keeps working', async () => {
    const ok = await admin.form('/settings/security', { sessionIdleMinutes: '60', sessionMaxHours: '24', lockoutThreshold: '5', lockoutMinutes: '15' }, '/settings')
    expect(ok.status).toBe(303)
    expect((await admin.get('/api/v1/settings')).json.security).toMatchObject({ sessionIdleMinutes: 60, sessionMaxHours: 24 })
  })
})
