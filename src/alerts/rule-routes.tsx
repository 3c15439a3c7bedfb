// Pages for alert rules: the list, the rule builder (new, edit, delete) and the template gallery.
import { Elysia, t } from 'elysia'
import { RuleFormPage, type RuleFormOptions } from '../../views/alerts/rule-form'
import { RulesPage, TemplatesPage } from '../../views/alerts/rules'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listChannels } from '../notifications/channels'
import { listPolicies } from '../notifications/policies'
import { orgIdsWith } from '../tenancy/scope'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { checkValues, fieldErrorsOf, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { describeConditions } from './conditions'
import { createRuleBody, updateRuleBody } from './model'
import { last, list, num, ownerFromValue, ownerNames, ownerOptions, targetOptions, targetsFrom } from './page-options'
import type { AlertRule } from './rules-repo'
import { canEditRule, createRule, createRuleFromTemplate, deleteRule, getRule, listRules, listTemplates, updateRule } from './rules'
import { alertTemplates, findTemplate, templateVariables } from './templates'
import { builtinMetrics } from './types'

const idParams = t.Object({ id: t.String({ maxLength: 64 }) })

const conditionFields: Record<string, [string, 'text' | 'number'][]> = {
  metric: [['metric', 'text'], ['operator', 'text'], ['value', 'number'], ['durationMinutes', 'number'], ['volume', 'text']],
  offline: [['minutes', 'number']], stale: [['minutes', 'number']],
  software: [['event', 'text'], ['pattern', 'text']], service: [['name', 'text'], ['durationMinutes', 'number']],
  process_not_running: [['name', 'text']], process_cpu: [['name', 'text'], ['percent', 'number'], ['minutes', 'number']],
  patch_missing: [['severity', 'text'], ['days', 'number']], patch_failed: [],
  pending_reboot: [['days', 'number']], agent_outdated: [['minVersion', 'text']],
}

/** ruleFormValues shapes the builder's fields: condition rows in order, only the fields of each row's kind. */
function ruleFormValues(body: unknown): FormValues {
  const b = (body ?? {}) as Record<string, unknown>
  const rows = Object.keys(b).map((k) => /^conditions\.items\.(\d+)\.type$/.exec(k)?.[1]).filter((x): x is string => !!x).sort((x, y) => Number(x) - Number(y))
  const items = rows.map((i) => {
    const type = last(b, `conditions.items.${i}.type`) ?? 'metric'
    const item: Record<string, unknown> = { type }
    for (const [field, kind] of conditionFields[type] ?? []) {
      const v = last(b, `conditions.items.${i}.${field}`)
      if (v !== undefined) item[field] = kind === 'number' ? num(v) : v
    }
    return item
  })
  const threshold = last(b, 'siteOfflineThreshold')
  return {
    name: last(b, 'name'), description: last(b, 'description') ?? '', severity: last(b, 'severity'), enabled: b.enabled === 'true', autoResolve: b.autoResolve === 'true',
    cooldownMinutes: num(last(b, 'cooldownMinutes')) ?? 0, conditions: { match: last(b, 'conditions.match') ?? 'all', items },
    targets: targetsFrom(b), titleTemplate: last(b, 'titleTemplate'), messageTemplate: last(b, 'messageTemplate') ?? '',
    channelIds: list(b, 'channelIds'), escalationPolicyId: last(b, 'escalationPolicyId') ?? null, siteOfflineThreshold: threshold === undefined ? null : num(threshold),
    owner: last(b, 'owner'),
  }
}

const strip = (v: FormValues) => Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== undefined && k !== 'owner'))

export function ruleRoutes(ctx: AppContext) {
  async function formOptions(actor: UserActor): Promise<RuleFormOptions> {
    const orgIds = orgIdsWith(actor.scope, 'alerts:write')
    const named = (rows: { id: string; name: string; orgId: string | null }[]) => rows.map((r) => ({ id: r.id, name: r.orgId ? r.name : `${r.name} (partner-wide)` }))
    return {
      owners: await ownerOptions(ctx, actor, 'alerts:write'), ...(await targetOptions(ctx, orgIds)),
      channels: named(await listChannels(ctx, actor)), policies: named(await listPolicies(ctx, actor)),
      metrics: [...builtinMetrics, 'custom.'], variables: [...templateVariables],
    }
  }

  async function formPage(c: PageContext, rule: AlertRule | null, values: FormValues, errors?: FieldErrors, status = 200, templateName?: string) {
    const actor = userOf(c.actor)
    const editable = rule ? canEditRule(actor.scope, rule) : true
    return render(c, <RuleFormPage page={await pageProps(ctx, c)} rule={rule} values={values} errors={errors} options={await formOptions(actor)} editable={editable} templateName={templateName} />, status)
  }

  return new Elysia({ name: 'breeze.alerts.rules' })
    .use(actorPlugin(ctx))
    .get('/alerts/rules', async (c) => {
      const actor = userOf(c.actor)
      const rules = await listRules(ctx, actor)
      const descriptions = Object.fromEntries(rules.map((r) => [r.id, describeConditions(r.conditions)]))
      return render(c, <RulesPage page={await pageProps(ctx, c)} rules={rules} descriptions={descriptions} ownerNames={await ownerNames(ctx, actor)} editable={new Set(rules.filter((r) => canEditRule(actor.scope, r)).map((r) => r.id))} />)
    })
    .get('/alerts/templates', async (c) => {
      const actor = userOf(c.actor)
      const descriptions = Object.fromEntries(alertTemplates.map((tpl) => [tpl.key, describeConditions(tpl.conditions)]))
      return render(c, <TemplatesPage page={await pageProps(ctx, c)} templates={listTemplates()} descriptions={descriptions} owners={await ownerOptions(ctx, actor, 'alerts:write')} />)
    })
    .post('/alerts/templates/:key', async (c) => {
      const owner = ownerFromValue((c.body as Record<string, unknown> | undefined)?.owner)
      const rule = await createRuleFromTemplate(ctx, userOf(c.actor), { templateKey: c.params.key, ...owner })
      setFlash(c.cookie, { kind: 'success', text: `Created the rule "${rule.name}". It is enabled and watching now.` })
      return redirect(c, `/alerts/rules/${rule.id}`)
    }, { params: t.Object({ key: t.String({ maxLength: 64 }) }) })
    .get('/alerts/rules/new', async (c) => {
      const tpl = c.query.template ? findTemplate(c.query.template) : undefined
      const values: FormValues = tpl
        ? { name: tpl.name, description: tpl.description, severity: tpl.severity, conditions: tpl.conditions, cooldownMinutes: tpl.cooldownMinutes, autoResolve: tpl.autoResolve, enabled: true, titleTemplate: tpl.titleTemplate, messageTemplate: tpl.messageTemplate, siteOfflineThreshold: tpl.siteOfflineThreshold ?? null }
        : { severity: 'high', cooldownMinutes: 15, enabled: true, autoResolve: true, titleTemplate: '{{rule.name}} on {{device.name}}', messageTemplate: '{{condition}} on {{device.name}} ({{org.name}}).' }
      return formPage(c, null, values, undefined, 200, tpl?.name)
    }, { query: t.Object({ template: t.Optional(t.String({ maxLength: 64 })) }) })
    .post('/alerts/rules', async (c) => {
      const values = ruleFormValues(c.body)
      const form = checkValues(createRuleBody, { ...strip(values), ...ownerFromValue(values.owner) })
      if (!form.ok) return formPage(c, null, values, form.errors, 400)
      try {
        const rule = await createRule(ctx, userOf(c.actor), form.value)
        setFlash(c.cookie, { kind: 'success', text: `Created the rule "${rule.name}".` })
        return redirect(c, '/alerts/rules')
      } catch (err) {
        return formPage(c, null, values, fieldErrorsOf(err), 400)
      }
    })
    .get('/alerts/rules/:id', async (c) => {
      const rule = await getRule(ctx, userOf(c.actor), c.params.id)
      return formPage(c, rule, rule as unknown as FormValues)
    }, { params: idParams })
    .post('/alerts/rules/:id', async (c) => {
      const actor = userOf(c.actor)
      const rule = await getRule(ctx, actor, c.params.id)
      const values = ruleFormValues(c.body)
      const form = checkValues(updateRuleBody, strip(values))
      if (!form.ok) return formPage(c, rule, values, form.errors, 400)
      try {
        await updateRule(ctx, actor, rule.id, form.value)
        setFlash(c.cookie, { kind: 'success', text: 'Rule saved.' })
        return redirect(c, '/alerts/rules')
      } catch (err) {
        return formPage(c, rule, values, fieldErrorsOf(err), 400)
      }
    }, { params: idParams })
    .post('/alerts/rules/:id/delete', async (c) => {
      await deleteRule(ctx, userOf(c.actor), c.params.id)
      setFlash(c.cookie, { kind: 'success', text: 'Rule deleted.' })
      return redirect(c, '/alerts/rules')
    }, { params: idParams })
}
