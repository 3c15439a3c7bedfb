// Remote sessions across the fleet: what runs now (with Kill for those who may manage remote
// access), recent sessions, recordings and transfers.
import type { RecordingListRow, SessionListRow, TransferListRow } from '../../src/remote/repo'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Layout } from '../layout'
import { RecordingTable, SessionTable, TransferTable } from './parts'

export function RemoteSessionsPage({ page, live, recent, recordings, transfers, manageOrgIds }: {
  page: PageProps; live: SessionListRow[]; recent: SessionListRow[]; recordings: RecordingListRow[]; transfers: TransferListRow[]; manageOrgIds: string[]
}) {
  const canManage = (orgId: string) => manageOrgIds.includes(orgId)
  return (
    <Layout page={page} title="Remote sessions">
      <PageHeader title="Remote sessions" subtitle="Terminals, file managers and desktops open on devices, and their history.">
        {manageOrgIds.length ? <a class="btn" href="/remote/settings">Remote access policy</a> : ''}
      </PageHeader>
      <section class="card flush" hx-get="/remote/sessions" hx-select="#sessions-live" hx-target="#sessions-live" hx-swap="outerHTML" hx-trigger="live:remote.session from:body throttle:1s">
        <div id="sessions-live">
          <h2 class="pad">Active now <span class="badge" id="active-count">{live.length}</span></h2>
          <SessionTable rows={live} csrf={page.csrf} userId={page.user.id} canManage={canManage} showDevice />
        </div>
      </section>
      <section class="card flush">
        <h2 class="pad">Recent</h2>
        <SessionTable rows={recent} csrf={page.csrf} userId={page.user.id} canManage={canManage} showDevice />
      </section>
      <section class="card flush">
        <h2 class="pad">Recordings</h2>
        <RecordingTable rows={recordings} />
      </section>
      <section class="card flush">
        <h2 class="pad">File transfers</h2>
        <TransferTable rows={transfers} showDevice />
      </section>
    </Layout>
  )
}
