// Enrollment approvals: re-enrollments of machines that are already devices, waiting for a
// technician to replace the device's agent, keep both devices, or reject.
import type { EnrollmentRequestView } from '../../src/agents/approvals'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf } from '../components/form'
import { Layout } from '../layout'

const reasonLabels: Record<EnrollmentRequestView['reason'], string> = {
  online: 'the device is online',
  recently_seen: 'the device was seen recently',
  reattach_not_allowed: 'the device is offline; the key does not allow re-attach',
}

const stateLabels: Record<EnrollmentRequestView['state'], string> = {
  pending: 'pending', approved_replace: 'approved: replaced', approved_clone: 'approved: kept both', rejected: 'rejected', expired: 'expired',
}

/**
 * One decision button: an htmx post that swaps the whole list (a plain form post without
 * scripts). note: the confirmation is fixed text, since hx-* attributes never carry user data.
 */
function Decide({ r, csrf, action, label, mode, danger, confirm }: { r: EnrollmentRequestView; csrf: string; action: 'approve' | 'reject'; label: string; mode?: string; danger?: boolean; confirm: string }) {
  const url = `/devices/approvals/${r.id}/${action}`
  return (
    <form method="post" action={url} hx-post={url} hx-target="#approvals" hx-swap="outerHTML" hx-confirm={confirm} class="inline-form">
      <Csrf token={csrf} />
      {mode ? <input type="hidden" name="mode" value={mode} /> : ''}
      <button type="submit" class={`btn small${danger ? ' danger' : ''}`} safe>{label}</button>
    </form>
  )
}

/** ApprovalsList is the swappable part of the page (htmx replaces it after a decision). */
export function ApprovalsList({ requests, csrf, showAll, error }: { requests: EnrollmentRequestView[]; csrf: string; showAll: boolean; error?: string }) {
  return (
    <section class="card flush" id="approvals">
      {error ? <div class="callout bad" role="alert" safe>{error}</div> : ''}
      {requests.length === 0
        ? <EmptyState title={showAll ? 'No enrollment requests' : 'Nothing waits for approval'} text="When a machine that is already a device enrolls again (a reinstall, a cloned disk, or someone with a copied install command), it waits here until you decide. The device and its agent are untouched meanwhile." />
        : (
          <div class="table-wrap">
            <table>
              <thead><tr><th>Device it matches</th><th>New agent</th><th>Why it waits</th><th>Key</th><th>Requested</th><th>State</th><th></th></tr></thead>
              <tbody>
                {requests.map((r) => (
                  <tr>
                    <td>
                      <a href={`/devices/${r.device.id}`} safe>{r.device.name}</a>
                      <div class="small muted"><span safe>{r.orgName}</span>{r.siteName ? <> › <span safe>{r.siteName}</span></> : ''} · <span safe>{r.device.status}</span>{r.device.lastSeenAt ? <>, seen <Time ms={r.device.lastSeenAt} /></> : ''}</div>
                    </td>
                    <td>
                      <strong safe>{r.hostname}</strong>
                      <div class="small muted"><span safe>{`${r.osType} ${r.osVersion} · ${r.architecture} · agent ${r.agentVersion}`}</span></div>
                      <div class="small muted">from <span safe>{r.ip ?? 'unknown address'}</span>{r.lastPolledAt ? <>, last asked <Time ms={r.lastPolledAt} /></> : ''}</div>
                    </td>
                    <td class="small" safe>{reasonLabels[r.reason]}</td>
                    <td><span safe>{r.keyName}</span>{r.keyRevoked ? <span class="badge bad">revoked</span> : ''}</td>
                    <td class="small"><Time ms={r.createdAt} />{r.state === 'pending' ? <div class="muted">expires <Time ms={r.expiresAt} /></div> : ''}</td>
                    <td>
                      <StatusBadge status={stateLabels[r.state]} />
                      {r.decidedByName ? <div class="small muted">by <span safe>{r.decidedByName}</span></div> : ''}
                    </td>
                    <td class="nowrap">
                      {r.state === 'pending' && r.canDecide
                        ? (
                          <div class="row">
                            <Decide r={r} csrf={csrf} action="approve" mode="replace" label="Replace agent"
                              confirm="Give the device to the new agent? Its current agent is disconnected and can no longer sign in." />
                            <Decide r={r} csrf={csrf} action="approve" mode="clone" label="Keep both"
                              confirm="Enroll the new agent as a separate device, marked as a clone of this one?" />
                            <Decide r={r} csrf={csrf} action="reject" label="Reject" danger confirm="Reject this enrollment? The machine is not enrolled." />
                          </div>
                        )
                        : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}

export function ApprovalsPage({ page, list, showAll }: { page: PageProps; list: JSX.Element; showAll: boolean }) {
  return (
    <Layout page={page} title="Enrollment approvals">
      <PageHeader title="Enrollment approvals" subtitle="Machines that are already devices and enrolled again. Replace the device's agent, keep both as separate devices, or reject.">
        {showAll ? <a class="btn" href="/devices/approvals">Waiting only</a> : <a class="btn" href="/devices/approvals?state=all">Show decided</a>}
        <a class="btn" href="/enrollment-keys">Enrollment keys</a>
      </PageHeader>
      {list}
    </Layout>
  )
}
