// The script library: pages and /api/v1/scripts (CRUD, versions, rollback, copy, import/export).
import { Elysia, t } from 'elysia'
import { ImportPage, ScriptsPage, TemplatesPage, type Owner } from '../../views/scripts/library'
import { ScriptEditorPage, VersionPage, VersionsPage } from '../../views/scripts/editor'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import { listLivePartners, listOrgNames } from '../tenancy/repo'
import { orgIdsWith, partnerIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { assetUrls } from '../web/assets'
import { checkValues, fieldErrorsOf, formObject, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { scriptDiff } from './diff'
import {
  canEditScript, copyScript, createScript, deleteScript, exportScripts, getScript, getScriptVersion, importScripts, listScripts, rollbackScript,
  scriptCategories, scriptVersions, updateScript,
} from './library'
import { createScriptBody, importBody, scriptListQuery, updateScriptBody } from './model'
import { findScriptVersionByNumber } from './repo'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })

/** The orgs and partners the actor may create scripts for, as `org:<id>` / `partner:<id>` options. */
async function scriptOwners(ctx: AppContext, actor: UserActor): Promise<Owner[]> {
  const partners = await listLivePartners(ctx.db, partnerIdsWith(actor.scope, 'scripts:write'))
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'scripts:write'))
  return [...orgs.map((o) => ({ value: `org:${o.id}`, label: o.name })), ...partners.map((p) => ({ value: `partner:${p.id}`, label: `${p.name} — all organizations` }))]
}

function ownerFromValue(value: unknown): { orgId?: string; partnerId?: string } {
  const [kind, id] = String(value ?? '').split(':')
  return kind === 'org' ? { orgId: id } : kind === 'partner' ? { partnerId: id } : {}
}

const scriptFormFields = t.Object({ ...createScriptBody.properties, owner: t.Optional(t.String()) })

/** scriptFormValues shapes the editor's fields: comma lists, parameter rows, booleans and numbers. */
function scriptFormValues(body: unknown): FormValues {
  const raw = formObject(scriptFormFields, body) as Record<string, unknown>
  const rows = Object.entries((raw.parameters ?? {}) as Record<string, Record<string, string>>)
    .sort(([a], [b]) => Number(a) - Number(b)).map(([, r]) => r).filter((r) => r.name)
  const parameters = rows.map((r) => {
    const type = r.type ?? 'string'
    const def = r.default === undefined ? undefined : type === 'number' ? Number(r.default) : type === 'boolean' ? r.default === 'true' : r.default
    return {
      name: r.name, type, required: r.required === 'true',
      ...(r.label ? { label: r.label } : {}), ...(r.description ? { description: r.description } : {}),
      ...(def !== undefined ? { default: def } : {}),
      ...(r.options ? { options: String(r.options).split(',').map((o) => o.trim()).filter(Boolean) } : {}),
    }
  })
  const tags = [raw.tags ?? []].flat().join(',').split(',').map((s) => String(s).trim()).filter(Boolean)
  const osTypes = Array.isArray(raw.osTypes) ? raw.osTypes : raw.osTypes ? [raw.osTypes] : []
  // note: the editor always sends the output cap; empty means "the default" (null), so
  // clearing the field clears it (formObject leaves empty fields out).
  const sent = body && typeof body === 'object' && 'outputCapMib' in body
  const outputCapMib = raw.outputCapMib !== undefined ? { outputCapMib: Number(raw.outputCapMib) } : sent ? { outputCapMib: null } : {}
  return { ...raw, tags, osTypes, parameters, ...(raw.timeoutSeconds ? { timeoutSeconds: Number(raw.timeoutSeconds) } : {}), ...outputCapMib }
}

export function scriptLibraryRoutes(ctx: AppContext) {
  const editorAssets = () => ['codemirror.css', 'codemirror.js', 'cm-shell.js', 'cm-python.js', 'cm-powershell.js'].map((n) => assetUrls()[n]).join(' ')

  async function ownerNames(actor: UserActor) {
    const names: Record<string, string> = {}
    for (const p of await listLivePartners(ctx.db, [...actor.scope.partners.keys(), ...[...actor.scope.orgs.values()].map((g) => g.partnerId)])) names[p.id] = p.name
    for (const o of await listOrgNames(ctx.db, [...actor.scope.orgs.keys()])) names[o.id] = o.name
    return names
  }

  async function editorPage(c: PageContext, id: string | null, extra: { values?: FormValues; errors?: FieldErrors } = {}, status = 200) {
    const actor = userOf(c.actor)
    const script = id ? await getScript(ctx, actor, id) : null
    const owners = await scriptOwners(ctx, actor)
    const editable = script ? canEditScript(actor.scope, script) : owners.length > 0
    return render(c, <ScriptEditorPage page={await pageProps(ctx, c)} script={script} owners={owners} editable={editable} editorAssets={editorAssets()} {...extra} />, status)
  }

  return new Elysia({ name: 'breeze.scripts.library' })
    .use(actorPlugin(ctx))
    .get('/scripts', async (c) => {
      const actor = userOf(c.actor)
      const scripts = await listScripts(ctx, actor, c.query)
      return render(c, <ScriptsPage page={await pageProps(ctx, c)} scripts={scripts} categories={await scriptCategories(ctx, actor)} names={await ownerNames(actor)} query={c.query} canCreate={(await scriptOwners(ctx, actor)).length > 0} />)
    }, { query: scriptListQuery })
    .get('/scripts/templates', async (c) => {
      const actor = userOf(c.actor)
      const templates = (await listScripts(ctx, actor)).filter((s) => s.isSystem)
      return render(c, <TemplatesPage page={await pageProps(ctx, c)} templates={templates} owners={await scriptOwners(ctx, actor)} />)
    })
    .get('/scripts/new', (c) => editorPage(c, null))
    .post('/scripts', async (c) => {
      const values = scriptFormValues(c.body)
      const { owner, ...fields } = values
      const form = checkValues(createScriptBody, { ...fields, ...ownerFromValue(owner) })
      if (!form.ok) return editorPage(c, null, { values, errors: form.errors }, 400)
      try {
        const script = await createScript(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created ${script.name}. Run it from the Run tab.` })
        return redirect(c, `/scripts/${script.id}`)
      } catch (err) {
        return editorPage(c, null, { values, errors: fieldErrorsOf(err) }, 400)
      }
    })
    .get('/scripts/import', async (c) => render(c, <ImportPage page={await pageProps(ctx, c)} owners={await scriptOwners(ctx, userOf(c.actor))} />))
    .post('/scripts/import', async (c) => {
      const actor = userOf(c.actor)
      const body = (c.body ?? {}) as Record<string, string>
      const fail = async (error: string) => render(c, <ImportPage page={await pageProps(ctx, c)} owners={await scriptOwners(ctx, actor)} error={error} />, 400)
      let parsed: unknown
      try { parsed = JSON.parse(body.json ?? '') } catch { return fail('That is not valid JSON.') }
      const check = checkValues(importBody, { ...(parsed as object), ...ownerFromValue(body.owner) })
      if (!check.ok) return fail(Object.entries(check.errors).map(([k, v]) => `${k}: ${v}`).slice(0, 5).join('; '))
      try {
        const rows = await importScripts(ctx, actor, ownerFromValue(body.owner), check.value.scripts)
        setFlash(c.cookie, { kind: 'success', text: `Imported ${rows.length} script${rows.length === 1 ? '' : 's'}.` })
        return redirect(c, '/scripts')
      } catch (err) {
        return fail((err as Error).message)
      }
    })
    .get('/scripts/:id', (c) => editorPage(c, c.params.id), { params: idParams })
    .post('/scripts/:id', async (c) => {
      const values = scriptFormValues(c.body)
      const form = checkValues(updateScriptBody, values)
      if (!form.ok) return editorPage(c, c.params.id, { values, errors: form.errors }, 400)
      try {
        const before = await getScript(ctx, userOf(c.actor), c.params.id)
        const script = await updateScript(ctx, userOf(c.actor), c.params.id, form.value)
        setFlash(c.cookie, script.version === before.version ? { kind: 'info', text: `Nothing changed: still version ${script.version}.` } : { kind: 'success', text: `Saved version ${script.version}.` })
        return redirect(c, `/scripts/${script.id}`)
      } catch (err) {
        return editorPage(c, c.params.id, { values, errors: fieldErrorsOf(err) }, 400)
      }
    }, { params: idParams })
    .post('/scripts/:id/delete', async (c) => {
      await deleteScript(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Script deleted.' })
      return redirect(c, '/scripts')
    }, { params: idParams })
    .post('/scripts/:id/copy', async (c) => {
      const copy = await copyScript(ctx, userOf(c.actor), c.params.id, ownerFromValue((c.body as Record<string, string> | undefined)?.owner))
      setFlash(c.cookie, { kind: 'success', text: `Copied to your library as "${copy.name}".` })
      return redirect(c, `/scripts/${copy.id}`)
    }, { params: idParams })
    .get('/scripts/:id/versions', async (c) => {
      const actor = userOf(c.actor)
      const script = await getScript(ctx, actor, c.params.id)
      return render(c, <VersionsPage page={await pageProps(ctx, c)} script={script} versions={await scriptVersions(ctx, actor, script.id)} canRollback={canEditScript(actor.scope, script)} />)
    }, { params: idParams })
    .get('/scripts/:id/versions/:versionId', async (c) => {
      const actor = userOf(c.actor)
      const script = await getScript(ctx, actor, c.params.id)
      const version = await getScriptVersion(ctx, actor, script.id, c.params.versionId)
      const previous = version.version > 1 ? await findScriptVersionByNumber(ctx.db, script.id, version.version - 1) : undefined
      return render(c, <VersionPage page={await pageProps(ctx, c)} script={script} version={version} diff={scriptDiff(previous?.content ?? '', version.content)} against={previous?.version ?? null} />)
    }, { params: t.Object({ id: t.String({ maxLength: 64 }), versionId: t.String({ maxLength: 64 }) }) })
    .post('/scripts/:id/rollback/:versionId', async (c) => {
      const script = await rollbackScript(ctx, userOf(c.actor), c.params.id, c.params.versionId)
      setFlash(c.cookie, { kind: 'success', text: `Rolled back: saved as version ${script.version}.` })
      return redirect(c, `/scripts/${script.id}/versions`)
    }, { params: t.Object({ id: t.String({ maxLength: 64 }), versionId: t.String({ maxLength: 64 }) }) })

    // ---- JSON API ----
    .get('/api/v1/scripts', async (c) => ({ data: await listScripts(ctx, userOf(c.actor), c.query) }), { query: scriptListQuery, detail: { summary: 'List scripts you can use (yours, your partner\'s and the built-ins)', tags: ['scripts'] } })
    .post('/api/v1/scripts', async (c) => {
      c.set.status = 201
      return createScript(ctx, userOf(c.actor), c.body)
    }, { body: createScriptBody, detail: { summary: 'Create a script (orgId, or partnerId for all its organizations)', tags: ['scripts'] } })
    .get('/api/v1/scripts/export', async (c) => {
      const ids = (c.query.ids ?? '').split(',').filter(Boolean)
      if (ids.length === 0) throw new ValidationError('ids', 'give the script ids to export, comma-separated')
      const doc = await exportScripts(ctx, userOf(c.actor), ids)
      c.set.headers['content-disposition'] = `attachment; filename="breeze-scripts.json"`
      return doc
    }, { query: t.Object({ ids: t.Optional(t.String({ maxLength: 65_000 })) }), detail: { summary: 'Export scripts as JSON', tags: ['scripts'] } })
    .post('/api/v1/scripts/import', async (c) => {
      const rows = await importScripts(ctx, userOf(c.actor), { orgId: c.body.orgId, partnerId: c.body.partnerId }, c.body.scripts)
      c.set.status = 201
      return { data: rows }
    }, { body: importBody, detail: { summary: 'Import scripts from an export (all or nothing)', tags: ['scripts'] } })
    .get('/api/v1/scripts/:id', (c) => getScript(ctx, userOf(c.actor), c.params.id), { params: idParams, detail: { summary: 'Get a script', tags: ['scripts'] } })
    .patch('/api/v1/scripts/:id', (c) => updateScript(ctx, userOf(c.actor), c.params.id, c.body), { params: idParams, body: updateScriptBody, detail: { summary: 'Save a new version of a script', tags: ['scripts'] } })
    .delete('/api/v1/scripts/:id', async (c) => {
      await deleteScript(ctx, userOf(c.actor), c.params.id)
      return { ok: true }
    }, { params: idParams, detail: { summary: 'Delete a script', tags: ['scripts'] } })
    .post('/api/v1/scripts/:id/copy', async (c) => {
      c.set.status = 201
      return copyScript(ctx, userOf(c.actor), c.params.id, { orgId: c.body.orgId, partnerId: c.body.partnerId }, c.body.name)
    }, { params: idParams, body: t.Object({ orgId: t.Optional(t.String({ maxLength: 64 })), partnerId: t.Optional(t.String({ maxLength: 64 })), name: t.Optional(t.String({ minLength: 1, maxLength: 200 })) }), detail: { summary: 'Copy a script or template into an org or partner', tags: ['scripts'] } })
    .get('/api/v1/scripts/:id/versions', async (c) => ({ data: await scriptVersions(ctx, userOf(c.actor), c.params.id) }), { params: idParams, detail: { summary: 'Version history of a script', tags: ['scripts'] } })
    .post('/api/v1/scripts/:id/rollback/:versionId', (c) => rollbackScript(ctx, userOf(c.actor), c.params.id, c.params.versionId),
      { params: t.Object({ id: t.String({ maxLength: 64 }), versionId: t.String({ maxLength: 64 }) }), detail: { summary: 'Save an earlier version as the new current version', tags: ['scripts'] } })
}

