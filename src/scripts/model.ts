// Input shapes of the scripting domain (forms and JSON API).
import { t } from 'elysia'
import { parameterTypes, scriptLanguages, scriptOses } from './types'
import { anyNumber, int } from '../web/model-types'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))

export const parameterName = t.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', error: 'parameter names are letters, digits and _ (starting with a letter or _), at most 64' })

export const parameterDef = t.Object({
  name: parameterName,
  type: lit(parameterTypes),
  label: t.Optional(t.String({ maxLength: 100 })),
  description: t.Optional(t.String({ maxLength: 500 })),
  required: t.Boolean(),
  default: t.Optional(t.Union([t.String({ maxLength: 1000 }), anyNumber(), t.Boolean(), t.Null()])),
  options: t.Optional(t.Array(t.String({ maxLength: 200 }), { maxItems: 100 })),
})

const scriptFields = {
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  category: t.Optional(t.String({ maxLength: 200, pattern: '^[^/]+(/[^/]+)*$', error: 'category is names separated by /, e.g. Maintenance/Disk' })),
  tags: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 50 }), { maxItems: 30 })),
  osTypes: t.Array(lit(scriptOses), { minItems: 1, maxItems: 3, error: 'choose at least one operating system' }),
  language: lit(scriptLanguages),
  content: t.String({ minLength: 1, maxLength: 1_000_000, error: 'the script is empty' }),
  parameters: t.Optional(t.Array(parameterDef, { maxItems: 50 })),
  timeoutSeconds: t.Optional(int({ minimum: 1, maximum: 24 * 3600 })),
  /** Output kept per run, in MiB (null: the default of Settings → Script output). */
  outputCapMib: t.Optional(t.Nullable(int({ minimum: 1, maximum: 1024 }))),
  runAs: t.Optional(t.Union([t.Literal('system'), t.Literal('user')])),
}

export const createScriptBody = t.Object({
  ...scriptFields,
  /** Owner: one org, or (omit orgId, give partnerId) shared with every org of the partner. */
  orgId: t.Optional(t.String({ maxLength: 64 })),
  partnerId: t.Optional(t.String({ maxLength: 64 })),
  changelog: t.Optional(t.String({ maxLength: 500 })),
})
export type CreateScriptInput = typeof createScriptBody.static

export const updateScriptBody = t.Composite([t.Partial(t.Object(scriptFields)), t.Object({ changelog: t.Optional(t.String({ maxLength: 500 })) })])
export type UpdateScriptInput = typeof updateScriptBody.static

export const scriptListQuery = t.Object({
  search: t.Optional(t.String({ maxLength: 200 })),
  category: t.Optional(t.String({ maxLength: 200 })),
  os: t.Optional(lit(scriptOses)),
  language: t.Optional(lit(scriptLanguages)),
  tag: t.Optional(t.String({ maxLength: 50 })),
  orgId: t.Optional(t.String({ maxLength: 64 })),
  includeSystem: t.Optional(t.Boolean()),
  /** Choosing a script to run on this device (from the device page). */
  forDevice: t.Optional(t.String({ maxLength: 64 })),
})
export type ScriptListQuery = typeof scriptListQuery.static

export const importBody = t.Object({
  orgId: t.Optional(t.String({ maxLength: 64 })),
  partnerId: t.Optional(t.String({ maxLength: 64 })),
  scripts: t.Array(t.Object({ ...scriptFields }), { minItems: 1, maxItems: 500 }),
})
