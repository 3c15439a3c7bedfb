// Turning every failure into the right answer: JSON `{"error":{code,message,details}}` under
// /api, a page (or, for htmx, a flash message swapped in place) everywhere else. Permission
// denials are audited as security events.
import { Elysia } from 'elysia'
import { ErrorPage } from '../../views/errors'
import { FlashMessage } from '../../views/components/flash'
import { auditEvent } from '../audit/service'
import type { AppContext } from '../context'
import { AppError, ForbiddenError, RateLimitError, UnauthorizedError } from '../lib/errors'
import { ServiceUnavailableError } from '../system/health'
import { MfaEnrollmentRequired, type RequestActor } from './actor-plugin'
import { assetUrls } from './assets'
import { HX, isHtmx } from './htmx'
import { requestInfo } from './request-info'

type ErrorBody = { status: number; code: string; message: string; details?: unknown }

type SchemaError = { path?: string; summary?: string; message?: string; value?: unknown; schema?: { error?: unknown; anyOf?: { type?: string; minimum?: number; maximum?: number }[] } }

/**
 * numericMessage: `t.Numeric` is a union (number or numeric text), whose own message only
 * says "should be one of: numeric, number" even for a number out of range; say what is wrong.
 */
function numericMessage(e: SchemaError): string | null {
  const number = e.schema?.anyOf?.find((m) => m.type === 'number')
  if (!number) return null
  const n = typeof e.value === 'number' ? e.value : typeof e.value === 'string' && e.value.trim() !== '' ? Number(e.value) : NaN
  if (!Number.isFinite(n)) return 'must be a number'
  const { minimum: min, maximum: max } = number
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`
  if (min !== undefined) return `must be at least ${min}`
  if (max !== undefined) return `must be at most ${max}`
  return null
}

/** describe maps any thrown value (or Elysia's own error codes) to status, code and message. */
function describe(code: string | number, error: unknown): ErrorBody {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message, details: error.details }
  if (code === 'VALIDATION') {
    const all = ((error as { all?: SchemaError[] }).all ?? [])
    const first = all[0]
    const field = first?.path?.replace(/^\//, '') || 'body'
    const text = (e: SchemaError) => (typeof e.schema?.error === 'string' ? e.schema.error : null) ?? numericMessage(e) ?? e.summary ?? e.message ?? 'invalid value'
    const message = `${field}: ${first ? text(first) : 'invalid value'}`
    return { status: 400, code: 'validation', message, details: { field, errors: all.slice(0, 20).map((e) => ({ field: e.path?.replace(/^\//, ''), message: text(e) })) } }
  }
  if (code === 'PARSE') return { status: 400, code: 'invalid_body', message: 'the request body could not be parsed (send valid JSON or form data)' }
  if (code === 'NOT_FOUND') return { status: 404, code: 'not_found', message: 'no such page or endpoint' }
  return { status: 500, code: 'internal', message: 'something went wrong on the server; the error was logged' }
}

export function errorPlugin(ctx: AppContext) {
  return new Elysia({ name: 'breeze.errors' }).onError({ as: 'global' }, async (c) => {
    const { code, error, request, set } = c
    const body = describe(code, error)
    const info = requestInfo(ctx.config, request, null)
    const actor = (c as unknown as { actor?: RequestActor }).actor
    if (body.status >= 500) ctx.log.error('request failed', { method: request.method, path: info.path, err: error })
    if (error instanceof ForbiddenError && !(error instanceof MfaEnrollmentRequired) && actor?.kind === 'user') {
      await auditEvent(ctx, actor.audit, { action: 'permission.denied', result: 'denied', details: { method: request.method, path: info.path, permission: error.permission ?? null }, errorMessage: error.message }).catch(() => {})
    }
    if (error instanceof RateLimitError || error instanceof ServiceUnavailableError) set.headers['retry-after'] = String(error.retryAfterSeconds)
    if (info.api) {
      set.status = body.status
      set.headers['content-type'] = 'application/json'
      return JSON.stringify({ error: { code: body.code, message: body.message, ...(body.details !== undefined ? { details: body.details } : {}) } })
    }
    set.headers['content-type'] = 'text/html; charset=utf-8'
    if (error instanceof UnauthorizedError && request.method === 'GET') {
      const next = encodeURIComponent(info.path + new URL(request.url).search)
      return redirectTo(set, request, `/login?next=${next}`)
    }
    if (error instanceof MfaEnrollmentRequired && request.method === 'GET') return redirectTo(set, request, '/account/mfa')
    if (isHtmx(request) && body.status < 500 && body.status !== 404) {
      // Show the message where flashes go, without replacing the page the user is on.
      set.status = 200
      set.headers[HX.retarget] = '#flash'
      set.headers[HX.reswap] = 'innerHTML'
      return <FlashMessage flash={{ kind: 'error', text: body.message }} />
    }
    set.status = body.status
    return <ErrorPage status={body.status} message={body.message} assets={assetUrls()} />
  })
}

function redirectTo(set: { status?: number | string; headers: Record<string, string | number> }, request: Request, url: string) {
  if (isHtmx(request)) { set.status = 200; set.headers[HX.redirect] = url; return '' }
  set.status = 303
  set.headers.location = url
  return ''
}
