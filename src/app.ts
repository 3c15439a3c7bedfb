// The whole HTTP surface in one screen: global plugins first, in a fixed order, then every
// domain's routes.
import { dashboardRoutes } from './dashboard/routes'
import { Elysia, type AnyElysia } from 'elysia'
import { accountRoutes } from './auth/account-routes'
import { alertApiRoutes } from './alerts/api-routes'
import { maintenanceRoutes } from './alerts/maintenance-routes'
import { ruleRoutes } from './alerts/rule-routes'
import { alertRoutes } from './alerts/routes'
import { agentApiRoutes } from './agents/agent-routes'
import { approvalRoutes } from './agents/approval-routes'
import { enrollmentKeyRoutes } from './agents/routes'
import { agentSocketRoutes } from './agents/socket'
import { authRoutes } from './auth/routes'
import { auditRoutes } from './audit/routes'
import { automationApiRoutes } from './automations/api-routes'
import { automationRoutes } from './automations/routes'
import { patchApiRoutes } from './patching/api-routes'
import { patchPageRoutes } from './patching/routes'
import { policyApiRoutes } from './policies/api-routes'
import { policyRoutes } from './policies/routes'
import { reportApiRoutes } from './reports/api-routes'
import { reportRoutes } from './reports/routes'
import type { AppContext } from './context'
import { deviceActionApiRoutes } from './device-actions/api-routes'
import { deviceActionPageRoutes } from './device-actions/routes'
import { eventLogRoutes } from './device-actions/eventlog-routes'
import { deviceApiRoutes } from './devices/device-api'
import { inventoryApiRoutes } from './devices/inventory-api'
import { groupApiRoutes } from './devices/group-api'
import { deviceRoutes } from './devices/device-routes'
import { groupRoutes } from './devices/group-routes'
import { softwareRoutes } from './devices/software-routes'
import { metricsRoutes } from './devices/metrics-routes'
import { notificationApiRoutes } from './notifications/api-routes'
import { remoteApiRoutes } from './remote/api-routes'
import { remotePageRoutes } from './remote/page-routes'
import { remoteSocketRoutes } from './remote/socket-routes'
import { notificationRoutes } from './notifications/routes'
import { scriptLibraryRoutes } from './scripts/library-routes'
import { searchRoutes } from './search/routes'
import { commandRoutes } from './scripts/command-routes'
import { scriptRunRoutes } from './scripts/run-routes'
import { settingsRoutes } from './settings/routes'
import { ticketApiRoutes } from './tickets/api-routes'
import { ticketRoutes } from './tickets/routes'
import { drainingGuard } from './system/health'
import { healthRoutes, systemRoutes } from './system/routes'
import { orgRoutes } from './tenancy/org-routes'
import { partnerRoutes } from './tenancy/partner-routes'
import { roleRoutes } from './tenancy/role-routes'
import { siteRoutes } from './tenancy/site-routes'
import { userRoutes } from './tenancy/user-routes'
import { actorPlugin } from './web/actor-plugin'
import { assetsPlugin, type loadAssets } from './web/assets'
import { apiBodyParser } from './web/api-body'
import { errorPlugin } from './web/errors'
import { liveRoutes } from './web/live'
import { httpMetrics, prometheusRoutes } from './observability/routes'
import { inputsPlugin } from './web/inputs'
import { securityHeaders } from './web/security-headers'

export function createApp(ctx: AppContext, assets: Awaited<ReturnType<typeof loadAssets>>) {
  let app: AnyElysia
  // note: every WebSocket writer has a budget: past 32 MiB waiting for a client that does not
  // read, Bun closes the socket (the remote relay cuts its viewers off earlier, at
  // 16 MiB with a reason, src/remote/relay.ts; SSE streams have their own, src/web/sse.ts).
  // normalize is off, so a body field no schema declares is a 400 naming it instead of being
  // dropped in silence (see inputsPlugin for queries and pages).
  app = new Elysia({ serve: { maxRequestBodySize: ctx.config.maxBodyBytes }, websocket: { backpressureLimit: 32 << 20, closeOnBackpressureLimit: true }, normalize: false })
    // 0. request timing (/metrics), 1. headers on every response, 2. one error format (405 with
    // Allow from the route table), 3. no new work while shutting down, 4. API bodies are JSON
    // objects, 5. static files, health and /metrics (no session lookup)
    .use(httpMetrics(ctx))
    .use(securityHeaders)
    .use(errorPlugin(ctx, () => app))
    .use(drainingGuard(ctx.health))
    .use(apiBodyParser)
    .use(assetsPlugin(assets))
    .use(healthRoutes(ctx))
    .use(prometheusRoutes(ctx))
    // 6. who is calling, plus the Origin/CSRF checks on every state change; 7. then what they
    // sent: query strings and form fields (authentication comes first: 401 before 400)
    .use(actorPlugin(ctx))
    .use(inputsPlugin(() => app))
    // 8. the product
    .use(systemRoutes(ctx, () => app))
    .use(liveRoutes(ctx))
    .use(authRoutes(ctx))
    .use(accountRoutes(ctx))
    .use(partnerRoutes(ctx))
    .use(orgRoutes(ctx))
    .use(siteRoutes(ctx))
    .use(userRoutes(ctx))
    .use(roleRoutes(ctx))
    .use(deviceRoutes(ctx))
    .use(deviceApiRoutes(ctx))
    .use(inventoryApiRoutes(ctx))
    .use(groupApiRoutes(ctx))
    .use(groupRoutes(ctx))
    .use(softwareRoutes(ctx))
    .use(metricsRoutes(ctx))
    .use(deviceActionPageRoutes(ctx))
    .use(deviceActionApiRoutes(ctx))
    .use(eventLogRoutes(ctx))
    .use(scriptLibraryRoutes(ctx))
    .use(scriptRunRoutes(ctx))
    .use(commandRoutes(ctx))
    .use(alertRoutes(ctx))
    .use(ruleRoutes(ctx))
    .use(maintenanceRoutes(ctx))
    .use(alertApiRoutes(ctx))
    .use(notificationRoutes(ctx))
    .use(notificationApiRoutes(ctx))
    .use(ticketRoutes(ctx))
    .use(ticketApiRoutes(ctx))
    .use(automationRoutes(ctx))
    .use(automationApiRoutes(ctx))
    .use(policyRoutes(ctx))
    .use(policyApiRoutes(ctx))
    .use(reportRoutes(ctx))
    .use(patchPageRoutes(ctx))
    .use(patchApiRoutes(ctx))
    .use(reportApiRoutes(ctx))
    .use(auditRoutes(ctx))
    .use(searchRoutes(ctx))
    .use(dashboardRoutes(ctx))
    .use(settingsRoutes(ctx))
    .use(agentApiRoutes(ctx))
    .use(agentSocketRoutes(ctx))
    .use(remotePageRoutes(ctx))
    .use(remoteApiRoutes(ctx))
    .use(remoteSocketRoutes(ctx))
    .use(enrollmentKeyRoutes(ctx))
    .use(approvalRoutes(ctx))
  return app
}
