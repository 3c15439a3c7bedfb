// Role pages: the built-in roles and custom roles with a permission picker.
import type { Role } from '../../src/tenancy/users-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Csrf, FormError, Input, PostButton, Select, Textarea } from '../components/form'
import { Layout } from '../layout'

export type PermissionGroup = { resource: string; label: string; permissions: string[] }

export function RolesPage({ page, roles, owners, canCreate }: { page: PageProps; roles: Role[]; owners: Record<string, string>; canCreate: boolean }) {
  return (
    <Layout page={page} title="Roles">
      <PageHeader title="Roles" subtitle="What each role may do. Built-in roles cannot be changed; copy their idea into a custom role.">
        {canCreate ? <a class="btn primary" href="/roles/new">New role</a> : ''}
      </PageHeader>
      <section class="card flush">
        <div class="table-wrap">
          <table>
            <thead><tr><th>Role</th><th>Kind</th><th>Owner</th><th>Permissions</th></tr></thead>
            <tbody>
              {roles.map((r) => (
                <tr>
                  <td><a href={`/roles/${r.id}`} safe>{r.name}</a><div class="small muted" safe>{r.description}</div></td>
                  <td>{r.isSystem ? <span class="badge info">built-in</span> : <span class="badge">custom</span>} <span class="small muted">{r.scope}</span></td>
                  <td safe>{r.isSystem ? '—' : owners[r.partnerId ?? r.orgId ?? ''] ?? '—'}</td>
                  <td class="small">{r.permissions.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Layout>
  )
}

function PermissionPicker({ groups, selected }: { groups: PermissionGroup[]; selected: string[] }) {
  return (
    <fieldset>
      <legend>Permissions</legend>
      {groups.map((g) => (
        <div class="field">
          <div class="small"><strong safe>{g.label}</strong></div>
          <div class="row">{g.permissions.map((p) => <label class="check"><input type="checkbox" name="permissions" value={p} checked={selected.includes(p)} /> <span safe>{p.split(':')[1]}</span></label>)}</div>
        </div>
      ))}
    </fieldset>
  )
}

export function RoleFormPage({ page, role, groups, owners, values, errors, canEdit }: {
  page: PageProps; role: Role | null; groups: PermissionGroup[]; owners: { value: string; label: string }[]; values?: FormValues; errors?: FieldErrors; canEdit: boolean
}) {
  const selected = ((values?.permissions as string[] | undefined) ?? role?.permissions ?? [])
  const title = role ? role.name : 'New role'
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle={role?.isSystem ? 'Built-in role (read-only)' : role ? 'Custom role' : undefined}>
        {role && canEdit && !role.isSystem ? <PostButton action={`/roles/${role.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this role?" /> : ''}
      </PageHeader>
      <form class="card form-narrow" method="post" action={role ? `/roles/${role.id}` : '/roles'}>
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="name" label="Name" values={values} value={values ? undefined : role?.name} errors={errors} required />
        <Textarea name="description" label="Description" values={values} value={values ? undefined : role?.description} errors={errors} rows={2} />
        {role
          ? ''
          : (
            <>
              <Select name="owner" label="Belongs to" options={owners} values={values} errors={errors} hint="A partner's roles can be used in all its organizations" />
              <Select name="scope" label="Assigned as" options={[{ value: 'organization', label: 'Organization role' }, { value: 'partner', label: 'Partner role (partner-wide access)' }]} values={values} errors={errors} />
            </>
          )}
        <PermissionPicker groups={groups} selected={selected} />
        {canEdit && !role?.isSystem ? <button class="btn primary" type="submit">{role ? 'Save' : 'Create role'}</button> : ''}
      </form>
    </Layout>
  )
}
