// The dashboard at `/` for signed-in users (system/routes.tsx hands over to dashboardPage).
import { DashboardPage } from '../../views/devices/dashboard'
import type { AppContext } from '../context'
import { userOf } from '../web/actor-plugin'
import { pageProps, type PageContext } from '../web/page'
import { render } from '../web/render'
import { dashboardData } from './dashboard'

/** dashboardPage renders the fleet dashboard for the signed-in user (the active org, or everything). */
export async function dashboardPage(ctx: AppContext, c: PageContext) {
  const actor = userOf(c.actor)
  const page = await pageProps(ctx, c)
  const orgId = page.activeOrgId ?? undefined
  const data = await dashboardData(ctx, actor, orgId)
  const orgName = orgId ? page.orgs.find((o) => o.id === orgId)?.name ?? null : null
  return render(c, <DashboardPage page={page} data={data} orgName={orgName} now={ctx.clock.now()} canEnroll={page.can.includes('enrollment:write')} />)
}
