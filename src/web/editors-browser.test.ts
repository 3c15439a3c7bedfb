// Every rich editor in Chromium, the way a technician uses it: type into the field (CodeMirror for
// scripts, the automation builder, the policy rows), press the button, then read what the server
// stored. Posting the form directly would skip exactly the browser glue these editors depend on.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, signedInPage } from '../testing/browser'
import type { TestClient } from '../testing/client'
import { makeOrg, makeSite, setupAdmin, testPassword } from '../testing/factories'
import { startTestServer, type TestServer } from '../testing/server'

let s: TestServer
let browser: Browser
let admin: TestClient
let orgId: string
let page: Page
const errors: string[] = []

beforeAll(async () => {
  s = await startTestServer()
  const a = await setupAdmin(s.ctx)
  orgId = (await makeOrg(s.ctx, a.partnerId, 'Acme')).id
  await makeSite(s.ctx, orgId, 'HQ')
  admin = s.client()
  await admin.login(a.email, testPassword)
  browser = await launchBrowser()
  page = (await signedInPage(browser, s.url, admin.cookies, errors, (text) => text.includes('400'))).page
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

/** typeInCodeMirror replaces the editor's text by typing, as a person does (select all, type). */
async function typeInCodeMirror(p: Page, text: string) {
  await p.waitForSelector('.CodeMirror')
  await p.click('.CodeMirror-code')
  await p.keyboard.press('Control+A')
  await p.keyboard.press('Delete')
  for (const [i, line] of text.split('\n').entries()) {
    if (i > 0) await p.keyboard.press('Enter')
    await p.keyboard.type(line)
  }
}

test('a new script keeps what was typed into the code editor; saving an existing one stores the new text', async () => {
  await page.goto(`${s.url}/scripts/new`)
  await page.fill('#f-name', 'Typed script')
  await typeInCodeMirror(page, 'echo "typed in the browser"\nexit 0')
  await page.click('button:has-text("Create script")')
  await page.waitForURL(/\/scripts\/[0-9a-f]{8}-[0-9a-f-]+$/)
  await page.waitForSelector('#flash:has-text("Created Typed script")')
  const list = (await admin.get('/api/v1/scripts?search=Typed')).json.data as { id: string; name: string }[]
  const created = list.find((x) => x.name === 'Typed script')!
  expect(created).toBeDefined()
  expect((await admin.get(`/api/v1/scripts/${created.id}`)).json.content).toBe('echo "typed in the browser"\nexit 0')

  // Edit it: select all, type the new text, save. The new version holds the new text.
  await typeInCodeMirror(page, 'echo "second version"')
  await page.fill('#f-changelog', 'Says something else')
  await page.click('button:has-text("Save new version")')
  await page.waitForSelector('#flash:has-text("Saved version 2")')
  const saved = (await admin.get(`/api/v1/scripts/${created.id}`)).json
  expect(saved.version).toBe(2)
  expect(saved.content).toBe('echo "second version"')
  // The page shows the stored text again (what the editor loads after the save).
  expect(await page.evaluate(() => (document.querySelector('.CodeMirror') as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue())).toBe('echo "second version"')

  // A change of language only (no text edit) keeps the text; typing then changing language keeps both.
  await typeInCodeMirror(page, 'print("third")')
  await page.selectOption('#f-language', 'python')
  await page.click('button:has-text("Save new version")')
  await page.waitForSelector('#flash:has-text("Saved version 3")')
  const third = (await admin.get(`/api/v1/scripts/${created.id}`)).json
  expect([third.language, third.content]).toEqual(['python', 'print("third")'])

  // Saving without a change says so instead of making a version that looks new.
  await page.click('button:has-text("Save new version")')
  await page.waitForSelector('#flash:has-text("Nothing changed: still version 3")')
  expect((await admin.get(`/api/v1/scripts/${created.id}/versions`)).json.data.map((v: { version: number; content: string }) => [v.version, v.content]))
    .toEqual([[3, 'print("third")'], [2, 'echo "second version"'], [1, 'echo "typed in the browser"\nexit 0']])
  expect(errors).toEqual([])
}, 60_000)

test('the automation builder stores what was typed, on create and on edit', async () => {
  await page.goto(`${s.url}/automations/new`)
  await page.waitForSelector('[data-field="name"]')
  await page.type('[data-field="name"]', 'Typed automation')
  await page.type('.trigger-card ~ .card [placeholder="os = windows AND tag = servers"], [placeholder="os = windows AND tag = servers"]', 'os = linux')
  await page.selectOption('[data-add-step="actions"]', 'update_device')
  await page.waitForSelector('[data-path="actions.0"]')
  await page.type('[data-path="actions.0"] [data-field="addTags"]', 'typed-tag')
  await page.waitForSelector('[data-problems]:has-text("No problems")', { timeout: 5_000 })
  await page.click('[data-action="save"]')
  await page.waitForURL(/\/automations\/[0-9a-f]{8}-[0-9a-f-]+$/)
  const id = page.url().split('/').pop()!
  const a = (await admin.get(`/api/v1/automations/${id}`)).json
  expect(a.name).toBe('Typed automation')
  expect(a.conditions.deviceFilter).toBe('os = linux')
  expect(a.actions[0].type).toBe('update_device')
  expect(JSON.stringify(a.actions[0])).toContain('typed-tag')

  await page.goto(`${s.url}/automations/${id}/edit`)
  await page.waitForSelector('[data-field="name"]')
  await page.fill('[data-field="name"]', '')
  await page.type('[data-field="name"]', 'Renamed automation')
  await page.click('[data-action="save"]')
  await page.waitForURL(new RegExp(`/automations/${id}$`))
  expect((await admin.get(`/api/v1/automations/${id}`)).json.name).toBe('Renamed automation')
  expect(errors).toEqual([])
}, 60_000)

test('the policy editor stores typed settings and rules, on create and on edit', async () => {
  await page.goto(`${s.url}/policies/new?orgId=${orgId}`)
  await page.type('#f-name', 'Typed policy')
  await page.click('button:has-text("Add a setting")')
  await page.type('input[name="values.0.key"]', 'monitoring.heartbeatSeconds')
  await page.type('input[name="values.0.value"]', '90')
  await page.click('button:has-text("Add a rule")')
  await page.type('input[name="rules.0.name"]', 'sshd')
  await page.click('button:has-text("Create policy")')
  await page.waitForURL(/\/policies\/[0-9a-f]{8}-[0-9a-f-]+$/)
  const id = page.url().split('/').pop()!
  const p = (await admin.get(`/api/v1/policies/${id}`)).json
  expect(p.name).toBe('Typed policy')
  expect(p.settings.values).toEqual({ 'monitoring.heartbeatSeconds': 90 })
  expect(p.settings.rules.map((r: { kind: string; name: string }) => [r.kind, r.name])).toEqual([['service_running', 'sshd']])

  await page.goto(`${s.url}/policies/${id}/edit`)
  await page.fill('input[name="rules.0.name"]', '')
  await page.type('input[name="rules.0.name"]', 'nginx')
  await page.type('#f-changelog', 'Watch nginx instead')
  await page.click('button:has-text("Save new version")')
  await page.waitForURL(new RegExp(`/policies/${id}$`))
  const edited = (await admin.get(`/api/v1/policies/${id}`)).json
  expect(edited.settings.rules[0].name).toBe('nginx')
  expect(edited.version).toBe(2)
  expect(errors).toEqual([])
}, 60_000)
