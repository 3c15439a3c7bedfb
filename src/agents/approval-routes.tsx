// Enrollment approvals for people: the page under Devices and /api/v1/enrollment-requests.
import { Elysia } from 'elysia'
import { ApprovalsList, ApprovalsPage } from '../../views/agents/approvals'
import type { AppContext } from '../context'
import { AppError, ValidationError } from '../lib/errors'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { approveEnrollmentRequest, getEnrollmentRequest, listEnrollmentRequests, rejectEnrollmentRequest, type ApprovalMode } from './approvals'
import { approveRequestBody, enrollmentRequestListQuery, idParams } from './model'

const tags = ['agents']
const decided: Record<string, string> = {
  approved_replace: 'Approved: the device now runs the new agent.',
  approved_clone: 'Approved: the new agent is enrolled as a separate device.',
  rejected: 'Rejected: the machine is not enrolled.',
}

export function approvalRoutes(ctx: AppContext) {
  async function list(c: PageContext, showAll: boolean, error?: string, status = 200) {
    const actor = userOf(c.actor)
    const requests = await listEnrollmentRequests(ctx, actor, { open: !showAll })
    const page = await pageProps(ctx, c)
    const fragment = <ApprovalsList requests={requests} csrf={page.csrf} showAll={showAll} error={error} />
    if (htmxTarget(c.request) === 'approvals') return render(c, fragment, status)
    return render(c, <ApprovalsPage page={page} list={fragment} showAll={showAll} />, status)
  }

  /** decide runs one decision from the page: htmx gets the refreshed list, a plain post a redirect with a message. */
  async function decide(c: PageContext, run: () => Promise<{ state: string }>) {
    try {
      const r = await run()
      if (htmxTarget(c.request) === 'approvals') return list(c, false)
      setFlash(c.cookie, { kind: 'success', text: decided[r.state] ?? 'Done.' })
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 403) throw err
      if (htmxTarget(c.request) === 'approvals') return list(c, false, err.message, err.status)
      setFlash(c.cookie, { kind: 'error', text: err.message })
    }
    return redirect(c, '/devices/approvals')
  }

  return new Elysia({ name: 'breeze.agents.approvals' })
    .use(actorPlugin(ctx))
    .get('/devices/approvals', (c) => list(c, c.query.state === 'all'), { query: enrollmentRequestListQuery })
    .post('/devices/approvals/:id/approve', (c) => decide(c, () => {
      const mode = (c.body as Record<string, unknown> | null)?.mode
      if (mode !== 'replace' && mode !== 'clone') throw new ValidationError('mode', 'choose replace or keep both')
      return approveEnrollmentRequest(ctx, userOf(c.actor), c.params.id, mode as ApprovalMode)
    }), { params: idParams })
    .post('/devices/approvals/:id/reject', (c) => decide(c, () => rejectEnrollmentRequest(ctx, userOf(c.actor), c.params.id)), { params: idParams })

    // ---- JSON API ----
    .get('/api/v1/enrollment-requests', async (c) => ({ data: await listEnrollmentRequests(ctx, userOf(c.actor), { orgId: c.query.orgId, open: c.query.state !== 'all' }) }),
      { query: enrollmentRequestListQuery, detail: { summary: 'List enrollment requests: re-enrollments of known machines waiting for approval (state=all: also decided ones)', tags } })
    .get('/api/v1/enrollment-requests/:id', (c) => getEnrollmentRequest(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'One enrollment request', tags } })
    .post('/api/v1/enrollment-requests/:id/approve', (c) => approveEnrollmentRequest(ctx, userOf(c.actor), c.params.id, c.body.mode),
      { params: idParams, body: approveRequestBody, detail: { summary: 'Approve an enrollment request: replace the device\'s agent, or keep both (the new agent as a separate device marked as a clone)', tags } })
    .post('/api/v1/enrollment-requests/:id/reject', (c) => rejectEnrollmentRequest(ctx, userOf(c.actor), c.params.id),
      { params: idParams, detail: { summary: 'Reject an enrollment request: the machine is not enrolled', tags } })
}
