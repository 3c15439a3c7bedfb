// `script.run`: run a library script on the endpoint (issue 4). The payload carries the
// script text and parameter values; values reach the script as environment variables (and
// PowerShell named parameters), never spliced into the text. Output streams back as
// `command.output` chunks; the result says how it ended.
import { t } from './schema'

export const scriptLanguage = t.Union([t.Literal('bash'), t.Literal('sh'), t.Literal('powershell'), t.Literal('cmd'), t.Literal('python')])

export const scriptRunPayload = t.Object({
  executionId: t.String({ maxLength: 64 }),
  language: scriptLanguage,
  content: t.String({ maxLength: 1_000_000 }),
  parameters: t.Record(t.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), t.Union([t.String({ maxLength: 100_000 }), t.Number(), t.Boolean()]), { maxProperties: 50 }),
  timeoutSeconds: t.Integer({ minimum: 1, maximum: 86_400 }),
  runAs: t.Union([t.Literal('system'), t.Literal('user')]),
  /** The agent stops sending output after this many bytes (the script still runs to the end). */
  maxOutputBytes: t.Integer({ minimum: 1 }),
})
export type ScriptRunPayload = typeof scriptRunPayload.static

export const scriptRunResult = t.Object({
  exitCode: t.Nullable(t.Integer()),
  durationMs: t.Integer({ minimum: 0 }),
  /** Bytes the script wrote, sent or not. */
  outputBytes: t.Integer({ minimum: 0 }),
  truncated: t.Boolean(),
})
export type ScriptRunResult = typeof scriptRunResult.static
