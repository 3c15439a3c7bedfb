// Maintenance windows: list (with whether each is in effect now and when it next starts) and
// the editor for one-off and recurring windows.
import type { MaintenanceWindow } from '../../src/alerts/maintenance-repo'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Checkbox, Csrf, Field, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'
import { AlertTabs } from './parts'

type Option = { id: string; name: string }
export type WindowRow = MaintenanceWindow & { activeUntil: number | null; next: number | null; targetText: string; orgName: string }

export function MaintenancePage({ page, windows, canWrite }: { page: PageProps; windows: WindowRow[]; canWrite: boolean }) {
  return (
    <Layout page={page} title="Maintenance windows">
      <PageHeader title="Maintenance windows" subtitle="Planned work: alerts of the covered devices are suppressed (or only their notifications held) and come back if still open afterwards.">
        {canWrite ? <a class="btn primary" href="/alerts/maintenance/new">New window</a> : ''}
      </PageHeader>
      <AlertTabs current="maintenance" can={page.can} />
      <section class="card flush">
        {windows.length === 0
          ? <EmptyState title="No maintenance windows" text="Add one for patch nights or planned outages so nobody is paged for expected downtime." action={canWrite ? { href: '/alerts/maintenance/new', label: 'New window' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Window</th><th>Organization</th><th>Covers</th><th>When</th><th>Silences</th><th>Now</th><th></th></tr></thead>
                <tbody>
                  {windows.map((w) => (
                    <tr>
                      <td><a href={`/alerts/maintenance/${w.id}`} safe>{w.name}</a>{w.enabled ? '' : <span class="badge">disabled</span>}</td>
                      <td class="small" safe>{w.orgName}</td>
                      <td class="small" safe>{w.targetText}</td>
                      <td class="small">
                        {w.recurrence
                          ? <span class="mono" safe>{`${w.recurrence.cron} (${w.timezone}) for ${w.recurrence.durationMinutes} min`}</span>
                          : <><Time ms={w.startsAt} /> → <Time ms={w.endsAt} /></>}
                        {w.next ? <div class="muted">next: <Time ms={w.next} /></div> : ''}
                      </td>
                      <td class="small">{w.suppress === 'alerts' ? 'alerts' : 'notifications only'}</td>
                      <td>{w.activeUntil ? <span class="badge warn">in effect</span> : <span class="badge">idle</span>}</td>
                      <td class="actions">{canWrite ? <PostButton action={`/alerts/maintenance/${w.id}/delete`} csrf={page.csrf} label="Delete" small danger confirm="Delete this maintenance window?" /> : ''}</td>
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

export function MaintenanceFormPage({ page, window, values, errors, orgs, sites, groups, devices, timezones }: {
  page: PageProps; window: MaintenanceWindow | null; values: FormValues; errors?: FieldErrors; orgs: Option[]; sites: Option[]; groups: Option[]; devices: Option[]; timezones: string[]
}) {
  const targets = (values.targets ?? {}) as { kind?: string; ids?: string[] }
  const ids = new Set(targets.ids ?? [])
  const multi = (name: string, label: string, list: Option[]) => (
    <Field name={name} label={label} errors={errors}>
      <select id={`f-${name}`} name={name} multiple="multiple" size={String(Math.min(8, Math.max(3, list.length)))}>
        {list.map((o) => <option value={o.id} selected={ids.has(o.id)} safe>{o.name}</option>)}
      </select>
    </Field>
  )
  const schedule = String(values.schedule ?? (values.cron ? 'recurring' : 'once'))
  return (
    <Layout page={page} title={window ? window.name : 'New maintenance window'}>
      <PageHeader title={window ? window.name : 'New maintenance window'} />
      <AlertTabs current="maintenance" can={page.can} />
      <datalist id="timezones">{timezones.map((z) => <option value={z} />)}</datalist>
      <form method="post" action={window ? `/alerts/maintenance/${window.id}` : '/alerts/maintenance'} class="card stack form-narrow">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="name" label="Name" values={values} errors={errors} required />
        {window ? '' : <Select name="orgId" label="Organization" options={orgs.map((o) => ({ value: o.id, label: o.name }))} values={values} errors={errors} />}
        <div x-data="switcher">
          <Select name="targets.kind" label="Covers" options={[{ value: 'all', label: 'All devices of the organization' }, { value: 'sites', label: 'Some sites' }, { value: 'groups', label: 'Some device groups' }, { value: 'devices', label: 'Some devices' }]} value={targets.kind ?? 'all'} errors={errors} switcher />
          <div x-show="is('sites')" x-cloak>{multi('targets.siteIds', 'Sites', sites)}</div>
          <div x-show="is('groups')" x-cloak>{multi('targets.groupIds', 'Device groups', groups)}</div>
          <div x-show="is('devices')" x-cloak>{multi('targets.deviceIds', 'Devices', devices)}</div>
          {errors?.['targets.ids'] ? <div class="error" safe>{errors['targets.ids']}</div> : ''}
        </div>
        <Field name="timezone" label="Time zone" errors={errors} hint="Times below are read in this zone">
          <input id="f-timezone" name="timezone" type="text" list="timezones" value={String(values.timezone ?? 'UTC')} />
        </Field>
        <div x-data="switcher">
          <Select name="schedule" label="Schedule" options={[{ value: 'once', label: 'Once' }, { value: 'recurring', label: 'Recurring' }]} value={schedule} switcher />
          <div x-show="is('once')" class="grid-2">
            <Input name="startsAt" label="Starts" type="datetime-local" values={values} errors={errors} />
            <Input name="endsAt" label="Ends" type="datetime-local" values={values} errors={errors} />
          </div>
          <div x-show="is('recurring')" x-cloak class="grid-2">
            <Input name="cron" label="Starts at (cron)" values={values} errors={errors} placeholder="0 2 * * SUN" hint="minute hour day month weekday, e.g. 0 2 * * SUN = Sundays 02:00" />
            <Input name="durationMinutes" label="Lasts (minutes)" type="number" min={1} values={values} errors={errors} />
          </div>
        </div>
        <Select name="suppress" label="During the window" options={[{ value: 'alerts', label: 'Suppress alerts (recorded, no notifications)' }, { value: 'notifications', label: 'Keep alerts, hold notifications' }]} values={values} errors={errors} />
        <Checkbox name="enabled" label="Enabled" checked={values.enabled !== false && values.enabled !== 'false'} />
        <div class="row"><button class="btn primary" type="submit">{window ? 'Save' : 'Create window'}</button><a class="btn" href="/alerts/maintenance">Cancel</a></div>
      </form>
    </Layout>
  )
}
