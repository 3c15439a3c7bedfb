// The built-in templates as read-only system scripts, written at every start so an upgrade
// ships its new and improved templates.
import type { AppContext } from '../context'
import { newId } from '../lib/ids'
import { findScriptByTemplateKey, insertScript, updateScriptRow } from './repo'
import { templates } from './templates/catalog'

export async function ensureSystemScripts(ctx: Pick<AppContext, 'db' | 'clock'>) {
  const now = ctx.clock.now()
  for (const tpl of templates) {
    const fields = { name: tpl.name, description: tpl.description, category: tpl.category, tags: tpl.tags, osTypes: tpl.osTypes, language: tpl.language, content: tpl.content, parameters: tpl.parameters, timeoutSeconds: tpl.timeoutSeconds }
    const existing = await findScriptByTemplateKey(ctx.db, tpl.key)
    if (!existing) {
      await insertScript(ctx.db, { id: newId(), partnerId: null, orgId: null, isSystem: true, templateKey: tpl.key, runAs: 'system', outputCapMib: null, version: 1, createdBy: null, updatedBy: null, createdAt: now, updatedAt: now, deletedAt: null, ...fields })
    } else if (existing.content !== tpl.content || JSON.stringify(existing.parameters) !== JSON.stringify(tpl.parameters) || existing.name !== tpl.name || existing.description !== tpl.description) {
      await updateScriptRow(ctx.db, existing.id, { ...fields, version: existing.version + 1, updatedAt: now })
    }
  }
}
