// User pages: list with memberships, invite, detail with role changes.
import type { Role } from '../../src/tenancy/users-repo'
import type { UserView } from '../../src/tenancy/users'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, StatusBadge, Time } from '../components/common'
import { Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

type Named = { id: string; name: string }

export type MembershipChoices = { partners: Named[]; orgs: Named[]; partnerRoles: Role[]; orgRoles: Role[]; sitesByOrg: Record<string, Named[]> }

export function UsersPage({ page, users, canInvite, search }: { page: PageProps; users: UserView[]; canInvite: boolean; search?: string }) {
  return (
    <Layout page={page} title="Users">
      <PageHeader title="Users" subtitle="People who can sign in, and what they can do where.">
        {canInvite ? <a class="btn primary" href="/users/invite">Invite user</a> : ''}
      </PageHeader>
      <form class="filters" method="get" action="/users" hx-boost="false">
        <div class="field"><label for="f-search">Search</label><input id="f-search" type="search" name="search" value={search} placeholder="Name or email" /></div>
        <button class="btn" type="submit">Search</button>
        <button class="btn" type="submit" formaction="/users/export.csv" id="users-export">Export CSV</button>
      </form>
      <section class="card flush">
        {users.length === 0
          ? <EmptyState title="No users found" text="Invite your technicians and customer contacts; each gets a one-time link to set a password." action={canInvite ? { href: '/users/invite', label: 'Invite user' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>User</th><th>Status</th><th>Access</th><th>2FA</th><th>Last sign-in</th></tr></thead>
                <tbody>
                  {users.map((u) => (
                    <tr>
                      <td><a href={`/users/${u.id}`} safe>{u.name}</a><div class="small muted" safe>{u.email}</div></td>
                      <td><StatusBadge status={u.status} /></td>
                      <td>{u.memberships.map((m) => <div class="small"><span safe>{m.roleName}</span> · <span class="muted" safe>{m.targetName}</span></div>)}</td>
                      <td>{u.mfaEnabled ? <span class="badge ok">on</span> : <span class="badge">off</span>}</td>
                      <td><Time ms={u.lastLoginAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </section>
    </Layout>
  )
}

/** MembershipFields lets the admin pick partner-wide access or access to one organization. */
export function MembershipFields({ choices, values, errors }: { choices: MembershipChoices; values?: FormValues; errors?: FieldErrors }) {
  const kinds = [
    ...(choices.orgs.length ? [{ value: 'organization', label: 'One organization' }] : []),
    ...(choices.partners.length ? [{ value: 'partner', label: 'Partner-wide (technician / admin)' }] : []),
  ]
  const allSites = Object.entries(choices.sitesByOrg)
  return (
    <div x-data="switcher">
      <Select name="kind" label="Access" options={kinds} values={values} errors={errors} switcher />
      <div x-show="is('organization')">
        <Select name="orgId" label="Organization" options={choices.orgs.map((o) => ({ value: o.id, label: o.name }))} values={values} errors={errors} />
        <Select name="orgRoleId" label="Role" options={choices.orgRoles.map((r) => ({ value: r.id, label: r.name }))} values={values} errors={errors} />
        {allSites.length
          ? (
            <fieldset>
              <legend>Limit to sites</legend>
              <p class="small muted">None ticked: every site of the organization.</p>
              {allSites.map(([orgId, sites]) => sites.map((s) => (
                <label class="check"><input type="checkbox" name="siteIds" value={s.id} data-org={orgId} /> <span safe>{s.name}</span> <span class="muted small" safe>{choices.orgs.find((o) => o.id === orgId)?.name ?? ''}</span></label>
              )))}
            </fieldset>
          )
          : ''}
      </div>
      <div x-show="is('partner')" x-cloak>
        <Select name="partnerId" label="Partner" options={choices.partners.map((p) => ({ value: p.id, label: p.name }))} values={values} errors={errors} />
        <Select name="partnerRoleId" label="Role" options={choices.partnerRoles.map((r) => ({ value: r.id, label: r.name }))} values={values} errors={errors} />
        <Select name="orgAccess" label="Organizations" options={[{ value: 'all', label: 'All organizations (now and later)' }, { value: 'selected', label: 'Only the ones ticked below' }, { value: 'none', label: 'None' }]} values={values} errors={errors} />
        <fieldset>
          <legend>Selected organizations</legend>
          <div class="perm-grid">{choices.orgs.map((o) => <label class="check"><input type="checkbox" name="orgIds" value={o.id} /> <span safe>{o.name}</span></label>)}</div>
        </fieldset>
      </div>
    </div>
  )
}

export function InviteUserPage({ page, choices, values, errors, result }: { page: PageProps; choices: MembershipChoices; values?: FormValues; errors?: FieldErrors; result?: { email: string; inviteUrl: string | null; emailed: boolean; existing: boolean } }) {
  return (
    <Layout page={page} title="Invite user">
      <PageHeader title="Invite user" />
      {result
        ? (
          <section class="card callout">
            {result.existing
              ? <p><strong safe>{result.email}</strong> already has an account and now has the new access.</p>
              : result.emailed
                ? <p>An invitation was emailed to <strong safe>{result.email}</strong>.</p>
                : (
                  <>
                    <p>Email is not set up, so send <strong safe>{result.email}</strong> this one-time link yourself (valid 7 days):</p>
                    <div class="secret" id="invite-url" safe>{result.inviteUrl ?? ''}</div>
                    <button type="button" class="btn small" x-data="copy" data-copy="invite-url" x-on:click="copy">Copy</button>
                  </>
                )}
          </section>
        )
        : ''}
      <form class="card form-narrow" method="post" action="/users/invite">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="email" label="Email" type="email" values={values} errors={errors} required />
        <Input name="name" label="Name" values={values} errors={errors} hint="Optional; they can change it" />
        <MembershipFields choices={choices} values={values ?? { kind: choices.orgs.length ? 'organization' : 'partner' }} errors={errors} />
        <button class="btn primary" type="submit">Send invitation</button>
      </form>
    </Layout>
  )
}

export function UserPage({ page, user, choices, errors, values, canManage, isSelf, inviteUrl }: {
  page: PageProps; user: UserView; choices: MembershipChoices; errors?: FieldErrors; values?: FormValues; canManage: boolean; isSelf: boolean; inviteUrl?: string | null
}) {
  return (
    <Layout page={page} title={user.name}>
      <PageHeader title={user.name} subtitle={user.email}>
        <StatusBadge status={user.status} />
        {canManage && !isSelf && user.status === 'active' ? <PostButton action={`/users/${user.id}/status`} csrf={page.csrf} label="Disable" fields={{ status: 'disabled' }} confirm="Disable this user? They are signed out at once." /> : ''}
        {canManage && !isSelf && user.status === 'disabled' ? <PostButton action={`/users/${user.id}/status`} csrf={page.csrf} label="Enable" fields={{ status: 'active' }} /> : ''}
        {canManage && user.status === 'invited' ? <PostButton action={`/users/${user.id}/resend`} csrf={page.csrf} label="Resend invitation" /> : ''}
        {canManage && !isSelf ? <PostButton action={`/users/${user.id}/remove`} csrf={page.csrf} label="Remove" danger confirm="Remove this user's access everywhere you manage?" /> : ''}
      </PageHeader>
      {inviteUrl ? <div class="callout"><p>Send this one-time link yourself (valid 7 days):</p><div class="secret" safe>{inviteUrl}</div></div> : ''}
      <div class="grid-2">
        <section class="card">
          <h2>Access</h2>
          {user.memberships.length === 0
            ? <p class="muted">No access in your organizations.</p>
            : (
              <table>
                <thead><tr><th>Where</th><th>Role</th><th>Scope</th></tr></thead>
                <tbody>{user.memberships.map((m) => <tr><td safe>{m.targetName}</td><td safe>{m.roleName}</td><td class="small muted" safe>{m.detail}</td></tr>)}</tbody>
              </table>
            )}
          <dl class="props">
            <dt>Two-factor</dt><dd>{user.mfaEnabled ? 'on' : 'off'}</dd>
            <dt>Last sign-in</dt><dd><Time ms={user.lastLoginAt} /></dd>
            <dt>Created</dt><dd><Time ms={user.createdAt} /></dd>
          </dl>
        </section>
        {canManage && !isSelf
          ? (
            <section class="card">
              <h2>Grant or change access</h2>
              <form method="post" action={`/users/${user.id}/membership`}>
                <Csrf token={page.csrf} />
                <FormError errors={errors} />
                <MembershipFields choices={choices} values={values ?? { kind: choices.orgs.length ? 'organization' : 'partner' }} errors={errors} />
                <button class="btn primary" type="submit">Save access</button>
              </form>
            </section>
          )
          : ''}
      </div>
    </Layout>
  )
}
