// Turning every failure into the right answer: JSON `{"error":{code,message,details}}` under
// /api, a page (or, for htmx, a flash message swapped in place) everywhere else. Permission
// denials are audited as security events.
import { Elysia, type AnyElysia } from 'elysia'
import { ErrorPage } from '../../views/errors'
import { FlashMessage } from '../../views/components/flash'
import { auditEvent } from '../audit/service'
import type { AppContext } from '../context'
import { AppError, ForbiddenError, RateLimitError, UnauthorizedError } from '../lib/errors'
import { asStorageError, StorageFullError } from '../lib/storage'
import { ServiceUnavailableError } from '../system/health'
import { MfaEnrollmentRequired, type RequestActor } from './actor-plugin'
import { assetUrls } from './assets'
import { HX, isHtmx } from './htmx'
import { requestInfo } from './request-info'
import { routeTable } from './route-table'
import { issueMessage, type SchemaIssue } from './validation'

type ErrorBody = { status: number; code: string; message: string; details?: unknown }

/** describe maps any thrown value (or Elysia's own error codes) to status, code and message. */
function describe(code: string | number, error: unknown): ErrorBody {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message, details: error.details }
  if (code === 'VALIDATION') {
    // One entry per field (TypeBox reports a union's members too), the first one in the message.
    const errors: { field: string; message: string }[] = []
    for (const e of (error as { all?: SchemaIssue[] }).all ?? []) {
      const field = e.path?.replace(/^\//, '') || 'body'
      if (!errors.some((x) => x.field === field)) errors.push({ field, message: issueMessage(e) })
    }
    const first = errors[0] ?? { field: 'body', message: 'invalid value' }
    return { status: 400, code: 'validation', message: `${first.field}: ${first.message}`, details: { field: first.field, errors: errors.slice(0, 20) } }
  }
  if (code === 'PARSE') return { status: 400, code: 'invalid_body', message: 'the request body could not be parsed (send valid JSON or form data)' }
  if (code === 'NOT_FOUND') return { status: 404, code: 'not_found', message: 'no such page or endpoint' }
  return { status: 500, code: 'internal', message: 'something went wrong on the server; the error was logged' }
}

/** errorPlugin answers every failure; `root` gives the whole app, to tell a wrong method (405) from an unknown path (404). */
export function errorPlugin(ctx: AppContext, root?: () => AnyElysia) {
  return new Elysia({ name: 'breeze.errors' }).onError({ as: 'global' }, async (c) => {
    const { code, request, set } = c
    // A write the storage refused, however deep the driver's error (SQLITE_FULL inside drizzle's
    // error, ENOSPC), is the one 503 storage_full with Retry-After.
    const error = asStorageError(c.error, (c.error as { code?: unknown })?.code === 'ENOSPC' ? 'files' : 'database')
    let body = describe(code, error)
    const info = requestInfo(ctx.config, request, null)
    const actor = (c as unknown as { actor?: RequestActor }).actor
    if (code === 'NOT_FOUND' && root) {
      const allow = routeTable(root()).allowed(info.path)
      if (allow.length > 0) {
        set.headers.allow = allow.join(', ')
        if (request.method === 'OPTIONS') { set.status = 204; return '' }
        body = { status: 405, code: 'method_not_allowed', message: `${request.method} is not allowed on ${info.path}; allowed: ${allow.join(', ')}` }
      }
    }
    // 4xx are the caller's mistakes: worth a debug line, not an error. 5xx are ours, except a
    // full disk: its cause is logged once when writes start failing (server.ts watchStorage).
    const fields = { method: request.method, path: info.path, status: body.status, code: body.code }
    if (error instanceof StorageFullError) ctx.log.debug('request refused: storage', { ...fields, cause: error.storage.code })
    else if (body.status >= 500) ctx.log.error('request failed', { ...fields, err: error })
    else ctx.log.debug('request refused', { ...fields, message: body.message })
    if (error instanceof ForbiddenError && !(error instanceof MfaEnrollmentRequired) && actor?.kind === 'user') {
      await auditEvent(ctx, actor.audit, { action: 'permission.denied', result: 'denied', details: { method: request.method, path: info.path, permission: error.permission ?? null }, errorMessage: error.message }).catch(() => {})
    }
    if (error instanceof RateLimitError || error instanceof ServiceUnavailableError || error instanceof StorageFullError) set.headers['retry-after'] = String(error.retryAfterSeconds)
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
