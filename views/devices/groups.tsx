// Device group pages: the tree of groups, the group form with a live rule preview, and a
// group's members with bulk actions.
import type { DeviceGroup } from '../../src/devices/group-repo'
import type { DeviceListRow } from '../../src/devices/repo'
import type { FieldDef } from '../../src/devices/rules'
import type { GroupWithCount } from '../../src/devices/groups'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Pagination } from '../components/common'
import { Csrf, FormError, PostButton } from '../components/form'
import { Layout } from '../layout'
import { DeviceStatus, deviceLabel, osLabels } from './parts'

type Option = { id: string; name: string }

function GroupTree({ groups, parentId, orgName }: { groups: GroupWithCount[]; parentId: string | null; orgName?: string }) {
  const level = groups.filter((g) => g.parentId === parentId || (parentId === null && g.parentId !== null && !groups.some((p) => p.id === g.parentId)))
  if (level.length === 0) return ''
  return (
    <ul class="group-tree">
      {level.map((g) => (
        <li>
          <a href={`/groups/${g.id}`} safe>{g.name}</a>{' '}
          <span class={`badge ${g.type === 'dynamic' ? 'info' : ''}`}>{g.type}</span>{' '}
          <span class="small muted">{g.memberCount} device{g.memberCount === 1 ? '' : 's'}</span>
          {g.ruleText ? <div class="small mono muted" safe>{g.ruleText}</div> : ''}
          <GroupTree groups={groups} parentId={g.id} orgName={orgName} />
        </li>
      ))}
    </ul>
  )
}

export function GroupsPage({ page, groups, orgs, canCreate }: { page: PageProps; groups: GroupWithCount[]; orgs: Option[]; canCreate: boolean }) {
  const byOrg = orgs.map((o) => ({ org: o, groups: groups.filter((g) => g.orgId === o.id) })).filter((x) => x.groups.length > 0)
  return (
    <Layout page={page} title="Device groups">
      <PageHeader title="Device groups" subtitle="Static groups hold the devices you put in them; dynamic groups hold every device matching their rule, kept current as devices change.">
        <a class="btn" href="/groups/rules">Rule language</a>
        {groups.length ? <a class="btn" href="/groups/export.csv" hx-boost="false" id="groups-export">Export CSV</a> : ''}
        {canCreate ? <a class="btn primary" href="/groups/new">New group</a> : ''}
      </PageHeader>
      {byOrg.length === 0
        ? <section class="card"><EmptyState title="No groups yet" text="Group devices to run scripts, policies and alerts on them together, e.g. all Windows servers with “os = windows AND tag = servers”." action={canCreate ? { href: '/groups/new', label: 'New group' } : undefined} /></section>
        : (
          <div class="stack">
            {byOrg.map(({ org, groups: list }) => (
              <section class="card">
                {orgs.length > 1 ? <h2 safe>{org.name}</h2> : ''}
                <GroupTree groups={list} parentId={null} />
              </section>
            ))}
          </div>
        )}
    </Layout>
  )
}

export type GroupFormOptions = { orgs: Option[]; sites: (Option & { orgId: string; orgName: string })[]; parents: (Option & { orgId: string })[] }

function GroupFields({ values, errors, options, lockedOrg }: { values: FormValues; errors?: FieldErrors; options: GroupFormOptions; lockedOrg?: string }) {
  const v = (k: string) => (values[k] === undefined || values[k] === null ? '' : String(values[k]))
  const err = (k: string) => (errors?.[k] ? <div class="error" safe>{errors[k]}</div> : '')
  const fieldClass = (k: string) => (errors?.[k] ? 'field invalid' : 'field')
  return (
    <>
      {lockedOrg
        ? <input type="hidden" name="orgId" value={lockedOrg} />
        : (
          <div class={fieldClass('orgId')}>
            <label for="f-orgId">Organization</label>
            <select id="f-orgId" name="orgId">{options.orgs.map((o) => <option value={o.id} selected={o.id === v('orgId')} safe>{o.name}</option>)}</select>
            {err('orgId')}
          </div>
        )}
      <div class={fieldClass('name')}>
        <label for="f-name">Name</label>
        <input id="f-name" name="name" type="text" value={v('name')} required maxlength="200" />
        {err('name')}
      </div>
      <div class={fieldClass('type')}>
        <label for="f-type">Kind</label>
        <select id="f-type" name="type">
          <option value="static" selected={v('type') !== 'dynamic'}>Static — I choose the devices</option>
          <option value="dynamic" selected={v('type') === 'dynamic'}>Dynamic — every device matching a rule</option>
        </select>
        {err('type')}
      </div>
      <div class={fieldClass('rule')} x-show="isDynamic()">
        <label for="f-rule">Rule</label>
        <textarea id="f-rule" name="rule" rows="3" class="rule-input" placeholder='os = windows AND ram_gb > 8 AND tag = servers AND software contains "Chrome"'
          hx-post="/groups/preview" hx-trigger="input changed delay:400ms, load" hx-target="#rule-preview" hx-include="closest form" safe>{v('rule')}</textarea>
        <div class="hint">Fields: os, os_version, hostname, name, site, status, tag, software, publisher, ip, ram_gb, cpu_cores, disk_gb, manufacturer, model, serial, cpu_percent, ram_percent, disk_percent, last_user, pending_reboot, agent_version… Combine with AND, OR, NOT and parentheses. <a href="/groups/rules" target="_blank">Full reference</a>.</div>
        {err('rule')}
        <div id="rule-preview" class="small" aria-live="polite"></div>
      </div>
      <div class={fieldClass('siteId')}>
        <label for="f-siteId">Site</label>
        <select id="f-siteId" name="siteId">
          <option value="">All sites of the organization</option>
          {options.sites.filter((s) => !lockedOrg || s.orgId === lockedOrg).map((s) => <option value={s.id} selected={s.id === v('siteId')} safe>{options.orgs.length > 1 && !lockedOrg ? `${s.orgName} · ${s.name}` : s.name}</option>)}
        </select>
        <div class="hint">A group bound to a site only ever contains that site's devices.</div>
        {err('siteId')}
      </div>
      <div class={fieldClass('parentId')}>
        <label for="f-parentId">Inside group</label>
        <select id="f-parentId" name="parentId">
          <option value="">None (top level)</option>
          {options.parents.filter((p) => !lockedOrg || p.orgId === lockedOrg).map((p) => <option value={p.id} selected={p.id === v('parentId')} safe>{p.name}</option>)}
        </select>
        <div class="hint">A group's devices include those of its subgroups when you run scripts or policies on it.</div>
        {err('parentId')}
      </div>
    </>
  )
}

export function RulePreview({ count, sample, error }: { count?: number; sample?: { id: string; name: string }[]; error?: string }) {
  if (error) return <span class="error" safe>{error}</span>
  if (count === undefined) return ''
  return (
    <span class="muted">
      Matches <strong>{count}</strong> device{count === 1 ? '' : 's'} now{sample && sample.length ? ': ' : '.'}
      {sample?.map((d, i) => <>{i ? ', ' : ''}<a href={`/devices/${d.id}`} safe>{d.name}</a></>)}
      {sample && count > sample.length ? ', …' : ''}
    </span>
  )
}

export function NewGroupPage({ page, options, values, errors }: { page: PageProps; options: GroupFormOptions; values?: FormValues; errors?: FieldErrors }) {
  return (
    <Layout page={page} title="New group">
      <PageHeader title="New device group" />
      {options.orgs.length === 0
        ? <section class="card"><EmptyState title="You cannot create groups" text="Creating groups needs the devices:write permission in an organization." /></section>
        : (
          <form class="card form-narrow" method="post" action="/groups" x-data="rulePreview">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <GroupFields values={{ orgId: page.activeOrgId ?? options.orgs[0]?.id, ...values }} errors={errors} options={options} />
            <button class="btn primary" type="submit">Create group</button>
          </form>
        )}
    </Layout>
  )
}

export function GroupPage({ page, group, orgName, siteName, parent, count, members, canWrite, options, values, errors }: {
  page: PageProps; group: DeviceGroup; orgName: string; siteName: string | null; parent: Option | null; count: number; members: JSX.Element
  canWrite: boolean; options: GroupFormOptions; values?: FormValues; errors?: FieldErrors
}) {
  return (
    <Layout page={page} title={group.name}>
      <PageHeader title={group.name} subtitle={`${group.type === 'dynamic' ? 'Dynamic' : 'Static'} group of ${orgName}${siteName ? `, site ${siteName}` : ''} · ${count} device${count === 1 ? '' : 's'}`}>
        <a class="btn" href={`/devices?groupId=${group.id}`}>Open in device list</a>
        {canWrite ? <PostButton action={`/groups/${group.id}/delete`} csrf={page.csrf} label="Delete" danger confirm={`Delete the group ${group.name}? Its devices stay; subgroups move up a level.`} /> : ''}
      </PageHeader>
      <div class="stack">
        <section class="card">
          <dl class="props">
            {group.ruleText ? <><dt>Rule</dt><dd class="mono" safe>{group.ruleText}</dd></> : ''}
            <dt>Inside group</dt><dd>{parent ? <a href={`/groups/${parent.id}`} safe>{parent.name}</a> : <span class="muted">— top level</span>}</dd>
          </dl>
        </section>
        {canWrite && count > 0
          ? (
            <form class="bulk-bar" method="post" action="/devices/bulk" x-data="bulkSelect">
              <Csrf token={page.csrf} />
              <input type="hidden" name="allMatching" value="true" />
              <input type="hidden" name="filter.groupId" value={group.id} />
              <span class="small">All {count} devices of this group:</span>
              <select name="action" aria-label="Bulk action" x-model="action" required>
                <option value="">Choose an action…</option>
                <option value="tag">Add tags</option>
                <option value="untag">Remove tags</option>
                {options.sites.filter((s) => s.orgId === group.orgId).length > 1 && !group.siteId ? <option value="move">Move to site</option> : ''}
                {page.can.includes('devices:delete') ? <option value="decommission">Decommission</option> : ''}
              </select>
              <input type="text" name="tags" placeholder="tag1, tag2" aria-label="Tags" x-show="action === 'tag' || action === 'untag'" />
              <select name="siteId" aria-label="Site" x-show="action === 'move'">{options.sites.filter((s) => s.orgId === group.orgId).map((s) => <option value={s.id} safe>{s.name}</option>)}</select>
              <button class="btn small primary" type="submit" x-bind:disabled="!action">Apply</button>
            </form>
          )
          : ''}
        <section class="card flush">
          <h2 class="card-title">Devices</h2>
          {group.type === 'static' && canWrite ? <p class="small muted pad">Add devices from the <a href="/devices">device list</a>: select them and choose “Add to group”.</p> : ''}
          {members}
        </section>
        {canWrite
          ? (
            <details class="card" open={!!errors}>
              <summary><strong>Edit group</strong></summary>
              <form method="post" action={`/groups/${group.id}`} x-data="rulePreview" class="form-narrow">
                <Csrf token={page.csrf} />
                <FormError errors={errors} />
                <GroupFields values={values ?? { ...group, rule: group.ruleText ?? '' }} errors={errors} options={{ ...options, parents: options.parents.filter((p) => p.id !== group.id) }} lockedOrg={group.orgId} />
                <button class="btn primary" type="submit">Save</button>
              </form>
            </details>
          )
          : ''}
      </div>
    </Layout>
  )
}

export function MembersTable({ group, rows, total, page, perPage, canRemove, csrf }: { group: DeviceGroup; rows: DeviceListRow[]; total: number; page: number; perPage: number; canRemove: boolean; csrf: string }) {
  if (rows.length === 0) {
    return group.type === 'dynamic'
      ? <EmptyState title="No device matches the rule" text="Members appear as soon as a device matches: when it enrolls, reports inventory or is changed." />
      : <EmptyState title="No devices in this group" text="Select devices in the device list and choose “Add to group”." action={{ href: '/devices', label: 'Device list' }} />
  }
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead><tr><th>Device</th><th>Status</th><th>OS</th><th>Site</th>{canRemove ? <th></th> : ''}</tr></thead>
          <tbody>{rows.map((d) => (
            <tr>
              <td><a href={`/devices/${d.id}`} safe>{deviceLabel(d)}</a></td><td><DeviceStatus id={d.id} status={d.status} /></td>
              <td safe>{osLabels[d.osType] ?? d.osType}</td><td class="small" safe>{d.siteName}</td>
              {canRemove ? <td class="actions"><PostButton action={`/groups/${group.id}/members/remove`} csrf={csrf} label="Remove" small fields={{ deviceIds: d.id }} /></td> : ''}
            </tr>
          ))}</tbody>
        </table>
      </div>
      <Pagination page={page} perPage={perPage} total={total} href={(p) => `/groups/${group.id}?page=${p}`} />
    </>
  )
}

/** RulesPage documents the rule language from the field definitions themselves (docs/device-groups.md has the same with more examples). */
export function RulesPage({ page, fields }: { page: PageProps; fields: [string, FieldDef][] }) {
  const ops: Record<string, string> = { string: '= != contains startswith endswith in', set: '= != contains startswith endswith in', number: '= != > >= < <= in', enum: '= != in', boolean: '= !=', version: '= != > >= < <= in', package: '= != contains startswith endswith in' }
  return (
    <Layout page={page} title="Group rule language">
      <PageHeader title="Group rule language" subtitle="A dynamic group holds every device of its organization (or site) for which its rule is true." />
      <div class="stack">
        <section class="card">
          <h2>Writing rules</h2>
          <p>A rule is one or more conditions <code>field operator value</code>, joined with <code>AND</code>, <code>OR</code> and <code>NOT</code> (in that order of precedence: NOT binds tightest), grouped with parentheses. Keywords and text comparisons ignore case. Quote values that contain spaces: <code>software = "Google Chrome"</code>.</p>
          <pre>os = windows AND ram_gb &gt; 8 AND tag = servers AND software contains "Chrome"
(os = linux OR os = macos) AND NOT tag = lab
site in ("Head office", Branch) AND disk_percent &gt;= 90
hostname startswith "web-" AND pending_reboot = true</pre>
          <p class="small muted">A condition on something the device has not reported is false, so <code>NOT</code> and <code>!=</code> include such devices. Decommissioned devices are never members. Rules that test live state (marked below) are re-checked on every heartbeat; the others when the device's inventory or settings change.</p>
        </section>
        <section class="card flush">
          <div class="table-wrap">
            <table>
              <thead><tr><th>Field</th><th>Type</th><th>Operators</th><th>Meaning</th></tr></thead>
              <tbody>{fields.map(([name, f]) => (
                <tr>
                  <td class="mono" safe>{name}</td>
                  <td class="small" safe>{f.type === 'set' ? 'any of several' : f.type === 'enum' ? f.values!.join(' | ') : f.type}</td>
                  <td class="mono small" safe>{(f.operators ?? ops[f.type].split(' ')).join(' ')}</td>
                  <td class="small"><span safe>{f.description}</span>{f.volatile ? <span class="badge info">live</span> : ''}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        </section>
      </div>
    </Layout>
  )
}
