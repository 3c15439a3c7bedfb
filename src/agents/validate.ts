// Checking what agents send, on HTTP and the socket alike: nesting deeper than the protocol
// allows is refused before anything else, then the closed protocol schema (unknown fields
// are errors, not silently dropped, so a message is either exactly valid or refused whole),
// then a command result against its command type's result schema. Each refusal names the
// field.
//
// note: agent routes do not hand their schemas to Elysia: one checker serves HTTP and the
// socket alike, refuses deep nesting before validating, checks a result against its command
// type, and does not depend on the app's normalisation setting (with `normalize` on, Elysia
// strips unknown properties instead of refusing them).
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import type { Static, TSchema } from '@sinclair/typebox'
import type { Db } from '../db'
import { ValidationError } from '../lib/errors'
import { findCommand } from './command-repo'
import { agentMessage, agentMessageBatch, commandResultSchemas, depthBeyond, protocolLimits, type AgentMessage } from '../protocol'

/** AgentMessageRefused: a message that is not exactly what the protocol allows (400 on HTTP, close 4400 on the socket). */
export class AgentMessageRefused extends ValidationError {}

/** mostSpecific picks, for a union, the error of the member that came closest (the deepest path). */
function mostSpecific(e: ValueError): ValueError {
  if (e.type !== ValueErrorType.Union || !e.errors?.length) return e
  let best = e
  for (const it of e.errors) {
    const first = it.First()
    if (!first) continue
    const candidate = mostSpecific(first)
    if (candidate.path.split('/').length > best.path.split('/').length) best = candidate
  }
  return best
}

function describe(e: ValueError, prefix: string): AgentMessageRefused {
  const field = [prefix, e.path.replace(/^\//, '')].filter(Boolean).join('/') || 'body'
  const message = e.type === ValueErrorType.ObjectAdditionalProperties ? 'is not a field of this message (unknown fields are refused)' : e.message
  return new AgentMessageRefused(field, `${field}: ${message}`)
}

/** problem returns why `value` does not fit `check` (or null), naming the field under `prefix`. */
function problem(check: TypeCheck<TSchema>, value: unknown, prefix = ''): AgentMessageRefused | null {
  const deep = depthBeyond(value, protocolLimits.maxDepth)
  if (deep !== null) {
    const field = [prefix, deep].filter(Boolean).join('/') || 'body'
    return new AgentMessageRefused(field, `${field}: nested deeper than ${protocolLimits.maxDepth} levels`)
  }
  if (check.Check(value)) return null
  const first = check.Errors(value).First()
  return first ? describe(mostSpecific(first), prefix) : new AgentMessageRefused(prefix || 'body', 'invalid')
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()
function compile(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema)
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)))
  return c
}

/** checkAgentBody returns the body as the schema's type, or throws AgentMessageRefused naming the field. */
export function checkAgentBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  const p = problem(compile(schema), body)
  if (p) throw p
  return body as Static<T>
}

// One checker per message type, so an error names the field instead of "no union member matched".
const messageCheckers = new Map(agentMessage.anyOf.map((schema) => [schema.properties.type.const as string, TypeCompiler.Compile(schema)]))
const batchTypes = new Set(agentMessageBatch.properties.messages.items.anyOf.map((s) => s.properties.type.const as string))

/** messageProblem says what is wrong with one socket or batch message (or null); `allowed` limits the types (a batch carries command reports only). */
export function messageProblem(message: unknown, prefix = '', allowed?: Set<string>): AgentMessageRefused | null {
  const type = (message as { type?: unknown } | null)?.type
  const check = typeof type === 'string' && (!allowed || allowed.has(type)) ? messageCheckers.get(type) : undefined
  if (!check) {
    const field = [prefix, 'type'].filter(Boolean).join('/')
    return new AgentMessageRefused(field, `${field}: unknown message type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 64) : type ?? null)}`)
  }
  return problem(check as TypeCheck<TSchema>, message, prefix)
}

/** resultProblem checks a command result against its command type's result schema (types without one: only the envelope). */
function resultProblem(commandType: string, result: unknown, prefix: string): AgentMessageRefused | null {
  const schema = commandResultSchemas[commandType]
  if (!schema || result === null || result === undefined) return null
  return problem(compile(schema), result, prefix)
}

/**
 * resultsProblem checks the results among `messages` (already valid messages) against the
 * result schemas of their commands' types, before any of them is applied. Results about
 * commands that are not this device's are left to the handler, which ignores them.
 */
export async function resultsProblem(db: Db, deviceId: string, messages: AgentMessage[], prefix: (i: number) => string): Promise<AgentMessageRefused | null> {
  for (const [i, m] of messages.entries()) {
    if (m.type !== 'command.result' || m.result === null || m.result === undefined) continue
    // A command that did not complete may report nothing of its result.
    if (m.status !== 'completed' && Object.keys(m.result).length === 0) continue
    const row = await findCommand(db, m.id)
    if (!row || row.deviceId !== deviceId) continue
    const p = resultProblem(row.type, m.result, [prefix(i), 'result'].filter(Boolean).join('/'))
    if (p) return p
  }
  return null
}

/** checkBatch checks a posted batch of agent messages whole: the envelope, then each message. */
export function checkBatch(body: unknown): { messages: AgentMessage[] } {
  const deep = depthBeyond(body, protocolLimits.maxDepth)
  if (deep !== null) throw new AgentMessageRefused(deep || 'body', `${deep || 'body'}: nested deeper than ${protocolLimits.maxDepth} levels`)
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AgentMessageRefused('body', 'body: expected a JSON object {messages: [...]}')
  const extra = Object.keys(body).find((k) => k !== 'messages')
  if (extra) throw new AgentMessageRefused(extra, `${extra}: is not a field of this message (unknown fields are refused)`)
  const messages = (body as { messages?: unknown }).messages
  const max = agentMessageBatch.properties.messages.maxItems!
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > max) throw new AgentMessageRefused('messages', `messages: expected 1 to ${max} messages`)
  for (const [i, m] of messages.entries()) {
    const p = messageProblem(m, `messages/${i}`, batchTypes)
    if (p) throw p
  }
  return { messages: messages as AgentMessage[] }
}
