// Enrollment keys and "Add device" for people: pages and /api/v1/enrollment-keys.
import { Elysia, t } from 'elysia'
import { AddDevicePage, EnrollmentKeysPage, type BuildRow, type EnrollTarget } from '../../views/agents/pages'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { agentPlatforms } from '../protocol'
import { listSites } from '../tenancy/sites'
import { can, orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, formObject } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { getPublicUrl, publicBaseUrl } from '../settings/public-url'
import { redirect, render, setFlash } from '../web/render'
import { findAgentBuilds } from './builds'
import { createEnrollmentKey, listEnrollmentKeys, revokeEnrollmentKey } from './enrollment-keys'
import { partnerOfOrg } from './install-key'
import { installCommands } from './install-scripts'
import { createEnrollmentKeyBody, enrollmentKeyListQuery, idParams } from './model'
import { int } from '../web/model-types'

const platformLabels: Record<string, string> = {
  'linux-x64': 'Linux x64', 'linux-arm64': 'Linux ARM64', 'darwin-x64': 'macOS Intel', 'darwin-arm64': 'macOS Apple silicon', 'windows-x64': 'Windows x64',
}

/** The form of the Add device page: a target (`org:<id>` or `site:<org>:<site>`) and the key's limits. */
const addDeviceForm = t.Object({
  target: t.String({ minLength: 1, maxLength: 200, error: 'choose an organization and site' }),
  name: t.String({ minLength: 1, maxLength: 200, error: 'give the key a name (1–200 characters)' }),
  expiresInDays: t.Optional(t.String({ maxLength: 10 })),
  maxUses: t.Optional(int({ minimum: 1, maximum: 1_000_000, error: 'max uses is a whole number of at least 1' })),
  allowReattach: t.Optional(t.Literal('true')),
})

function buildRows(ctx: AppContext): BuildRow[] {
  const builds = findAgentBuilds(ctx.config)
  return agentPlatforms.map((p) => {
    const b = builds.get(p)
    return { platform: p, label: platformLabels[p], available: !!b, version: b?.version ?? null, sizeMb: b ? Math.round(b.size / 1e5) / 10 : null, sha256: b?.sha256 ?? null }
  })
}

/** enrollTargets: the orgs and sites the actor may create keys for. */
async function enrollTargets(ctx: AppContext, actor: UserActor): Promise<EnrollTarget[]> {
  const writable = new Set(orgIdsWith(actor.scope, 'enrollment:write'))
  const byOrg = new Map<string, EnrollTarget>()
  for (const { site, orgName } of await listSites(ctx, actor)) {
    if (!writable.has(site.orgId)) continue
    const target = byOrg.get(site.orgId) ?? { orgId: site.orgId, orgName, sites: [] }
    target.sites.push({ id: site.id, name: site.name })
    byOrg.set(site.orgId, target)
  }
  return [...byOrg.values()]
}

export function enrollmentKeyRoutes(ctx: AppContext) {
  async function addDevicePage(c: PageContext, extra: Partial<Parameters<typeof AddDevicePage>[0]> = {}, status = 200) {
    const actor = userOf(c.actor)
    return render(c, <AddDevicePage page={await pageProps(ctx, c)} targets={await enrollTargets(ctx, actor)} builds={buildRows(ctx)} publicUrlWarning={(await getPublicUrl(ctx)).warning} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.agents.keys' })
    .use(actorPlugin(ctx))
    .get('/enrollment-keys', async (c) => {
      const actor = userOf(c.actor)
      const keys = await listEnrollmentKeys(ctx, actor)
      return render(c, <EnrollmentKeysPage page={await pageProps(ctx, c)} keys={keys} canCreate={orgIdsWith(actor.scope, 'enrollment:write').length > 0} canRevoke={(k) => can(actor.scope, 'enrollment:write', k.orgId)} />)
    })
    .post('/enrollment-keys/:id/revoke', async (c) => {
      await revokeEnrollmentKey(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Key revoked: agents can no longer enroll with it.' })
      return redirect(c, '/enrollment-keys')
    }, { params: idParams })
    .get('/devices/add', (c) => addDevicePage(c, { values: { name: `Added ${new Date(ctx.clock.now()).toISOString().slice(0, 10)}`, expiresInDays: '7' } }))
    .post('/devices/add', async (c) => {
      const values = formObject(addDeviceForm, c.body)
      const form = checkValues(addDeviceForm, values)
      if (!form.ok) return addDevicePage(c, { values, errors: form.errors }, 400)
      const [kind, orgId, siteId] = form.value.target.split(':')
      const days = form.value.expiresInDays && form.value.expiresInDays !== 'never' ? Number(form.value.expiresInDays) : null
      try {
        const { key, secret } = await createEnrollmentKey(ctx, userOf(c.actor), {
          orgId: orgId ?? '', siteId: kind === 'site' ? siteId : undefined, name: form.value.name,
          expiresAt: days && Number.isFinite(days) ? ctx.clock.now() + days * 86_400_000 : undefined, maxUses: form.value.maxUses,
          allowReattach: form.value.allowReattach === 'true',
        })
        const created = {
          key: secret, name: key.name, expiresAt: key.expiresAt, maxUses: key.maxUses, allowReattach: key.allowReattach, target: key.siteName ? `${key.orgName} › ${key.siteName}` : key.orgName,
          commands: installCommands(await publicBaseUrl(ctx, await partnerOfOrg(ctx, key.orgId)), secret),
        }
        return addDevicePage(c, { created }, 201)
      } catch (err) {
        const errors = fieldErrorsOf(err)
        if (errors.orgId || errors.siteId) errors.target = errors.orgId ?? errors.siteId
        return addDevicePage(c, { values, errors }, 400)
      }
    })

    // ---- JSON API ----
    .get('/api/v1/enrollment-keys', async (c) => ({ data: await listEnrollmentKeys(ctx, userOf(c.actor), c.query) }),
      { query: enrollmentKeyListQuery, detail: { summary: 'List enrollment keys (never the key itself)', tags: ['agents'] } })
    .post('/api/v1/enrollment-keys', async (c) => {
      const { key, secret } = await createEnrollmentKey(ctx, userOf(c.actor), c.body)
      c.set.status = 201
      return { ...key, key: secret }
    }, { body: createEnrollmentKeyBody, detail: { summary: 'Create an enrollment key; the key is in the answer once and never again', tags: ['agents'] } })
    .delete('/api/v1/enrollment-keys/:id', async (c) => {
      await revokeEnrollmentKey(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Revoke an enrollment key (devices it enrolled stay)', tags: ['agents'] } })
}
