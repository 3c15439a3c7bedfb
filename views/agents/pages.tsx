// Enrollment keys and the "Add device" page (one-line installs, downloads, which builds exist).
import type { EnrollmentKeyView } from '../../src/agents/enrollment-keys'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Checkbox, Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'

export type EnrollTarget = { orgId: string; orgName: string; sites: { id: string; name: string }[] }
export type BuildRow = { platform: string; label: string; available: boolean; version: string | null; sizeMb: number | null; sha256: string | null }
export type CreatedKey = { key: string; name: string; expiresAt: number | null; maxUses: number | null; allowReattach: boolean; target: string; commands: { unix: string; windows: string; manual: string } }

const stateClass: Record<EnrollmentKeyView['state'], string> = { active: 'ok', expired: 'bad', revoked: 'bad', exhausted: 'warn' }

export function EnrollmentKeysPage({ page, keys, canCreate, canRevoke }: { page: PageProps; keys: EnrollmentKeyView[]; canCreate: boolean; canRevoke: (k: EnrollmentKeyView) => boolean }) {
  return (
    <Layout page={page} title="Enrollment keys">
      <PageHeader title="Enrollment keys" subtitle="Keys let the Breeze agent join an organization. The key itself is shown only once, when it is created.">
        {canCreate ? <a class="btn primary" href="/devices/add">Add device</a> : ''}
      </PageHeader>
      <section class="card flush">
        {keys.length === 0
          ? <EmptyState title="No enrollment keys yet" text="Create one on the Add device page: it gives you the one-line install command for each platform." action={canCreate ? { href: '/devices/add', label: 'Add device' } : undefined} />
          : (
            <div class="table-wrap">
              <table>
                <thead><tr><th>Name</th><th>Organization</th><th>Site</th><th>Key</th><th>State</th><th>Uses</th><th>Re-attach</th><th>Expires</th><th>Created</th><th></th></tr></thead>
                <tbody>
                  {keys.map((k) => (
                    <tr>
                      <td safe>{k.name}</td>
                      <td safe>{k.orgName}</td>
                      <td safe>{k.siteName ?? 'Oldest site'}</td>
                      <td><code safe>{`${k.prefix}…`}</code></td>
                      <td><span class={`badge ${stateClass[k.state]}`}>{k.state}</span></td>
                      <td>{k.usedCount}{k.maxUses !== null ? ` / ${k.maxUses}` : ''}</td>
                      <td>{k.allowReattach ? <span title="re-enrollments of devices offline beyond their window re-attach without approval">offline devices</span> : <span class="muted">with approval</span>}</td>
                      <td>{k.expiresAt ? <Time ms={k.expiresAt} /> : <span class="muted">never</span>}</td>
                      <td><Time ms={k.createdAt} /></td>
                      <td>{k.state !== 'revoked' && canRevoke(k) ? <PostButton action={`/enrollment-keys/${k.id}/revoke`} csrf={page.csrf} label="Revoke" small danger confirm={`Revoke the key "${k.name}"? Agents can no longer enroll with it; devices it enrolled stay.`} /> : ''}</td>
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

const expiryOptions = [
  { value: '1', label: '1 day' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
]

function targetOptions(targets: EnrollTarget[]) {
  return targets.flatMap((o) => [
    { value: `org:${o.orgId}`, label: `${o.orgName} — oldest site` },
    ...o.sites.map((s) => ({ value: `site:${o.orgId}:${s.id}`, label: `${o.orgName} › ${s.name}` })),
  ])
}

function KeyForm({ page, targets, values, errors }: { page: PageProps; targets: EnrollTarget[]; values?: FormValues; errors?: FieldErrors }) {
  return (
    <form class="card form-narrow" method="post" action="/devices/add">
      <h2>1. Create an enrollment key</h2>
      <Csrf token={page.csrf} />
      <FormError errors={errors} />
      <Select name="target" label="Organization and site" options={targetOptions(targets)} values={values} errors={errors} required hint="New devices join this organization and site." />
      <Input name="name" label="Key name" values={values} errors={errors} required hint="Says what the key is for, e.g. “Office laptops rollout”." />
      <div class="grid-2">
        <Select name="expiresInDays" label="Expires after" options={expiryOptions} values={values ?? { expiresInDays: '7' }} errors={errors} />
        <Input name="maxUses" label="Max uses" type="number" min={1} values={values} errors={errors} hint="Empty: unlimited." />
      </div>
      <Checkbox name="allowReattach" label="Re-attach offline devices without approval" checked={values?.allowReattach === 'true'}
        hint="A machine that is already a device of this organization normally waits for a technician's approval when it enrolls again (Devices → Enrollment approvals). With this, it takes its device back at once if the device has been offline beyond its window (a reinstall after a disk swap). Online devices always need approval." />
      <button class="btn primary" type="submit">Create key and show install commands</button>
    </form>
  )
}

function Command({ id, label, text }: { id: string; label: string; text: string }) {
  return (
    <div class="field">
      <label for={id} safe>{label}</label>
      <div class="row">
        <div class="secret grow" id={id} safe>{text}</div>
        <button type="button" class="btn small" x-data="copy" data-copy={id} x-on:click="copy"><span x-text="copied ? 'Copied' : 'Copy'">Copy</span></button>
      </div>
    </div>
  )
}

function Builds({ builds }: { builds: BuildRow[] }) {
  const missing = builds.filter((b) => !b.available)
  return (
    <section class="card">
      <h2>Agent downloads</h2>
      <div class="table-wrap">
        <table>
          <thead><tr><th>Platform</th><th>Version</th><th>Size</th><th>SHA-256</th><th></th></tr></thead>
          <tbody>
            {builds.map((b) => (
              <tr>
                <td safe>{b.label}</td>
                {b.available
                  ? <><td safe>{b.version ?? 'unknown'}</td><td>{b.sizeMb} MB</td><td><code class="small" safe>{b.sha256?.slice(0, 16) + '…'}</code></td><td><a class="btn small" href={`/agents/${b.platform}`} hx-boost="false">Download</a></td></>
                  : <><td colspan="4"><span class="badge warn">no build yet</span></td></>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {missing.length > 0
        ? (
          <p class="hint">
            This server has no agent for <span safe>{missing.map((b) => b.label).join(', ')}</span>. Produce the builds with <code>npm run build</code> in the
            Breeze source folder (it writes <code>dist/agents/</code>), or copy <code>breeze-agent-&lt;platform&gt;</code> files and their
            <code> manifest.json</code> into the <code>agents/</code> folder of the data directory. The Docker image ships all of them.
          </p>
        )
        : ''}
    </section>
  )
}

export function AddDevicePage({ page, targets, builds, values, errors, created, publicUrlWarning }: {
  page: PageProps; targets: EnrollTarget[]; builds: BuildRow[]; values?: FormValues; errors?: FieldErrors; created?: CreatedKey
  /** Set when the public URL the install commands use is localhost or was never confirmed. */
  publicUrlWarning: string | null
}) {
  return (
    <Layout page={page} title="Add device">
      <PageHeader title="Add device" subtitle="Install the Breeze agent on a computer: it enrolls with a key and appears under Devices within seconds.">
        <a class="btn" href="/enrollment-keys">Enrollment keys</a>
      </PageHeader>
      {publicUrlWarning ? <div class="callout warn" role="alert" id="public-url-warning" safe>{publicUrlWarning}</div> : ''}
      {targets.length === 0
        ? <section class="card"><EmptyState title="No organization with a site you can enroll into" text="Devices belong to a site: create a site first (or ask for the enrollment:write permission)." action={{ href: '/sites/new', label: 'Create site' }} /></section>
        : created
          ? (
            <section class="card">
              <h2>2. Run the install command on the device</h2>
              <div class="callout info">
                Key <strong safe>{created.name}</strong> for <span safe>{created.target}</span>
                {created.expiresAt ? <> · expires <Time ms={created.expiresAt} /></> : ' · never expires'}
                {created.maxUses ? ` · up to ${created.maxUses} devices` : ''}
                {created.allowReattach ? ' · re-attaches offline devices without approval' : ''}. Copy it now: it is not shown again.
              </div>
              <Command id="cmd-unix" label="Linux and macOS (as root)" text={created.commands.unix} />
              <Command id="cmd-windows" label="Windows (PowerShell as Administrator)" text={created.commands.windows} />
              <Command id="cmd-manual" label="Or, with a downloaded agent" text={created.commands.manual} />
              <Command id="cmd-key" label="The key alone" text={created.key} />
              <p><a class="btn" href="/devices/add">Create another key</a></p>
            </section>
          )
          : <KeyForm page={page} targets={targets} values={values} errors={errors} />}
      <Builds builds={builds} />
    </Layout>
  )
}
