// The script editor (new and existing scripts), read-only view of built-ins, and versions.
import type { ScriptVersionDiff } from '../../src/scripts/diff'
import type { Script, ScriptVersion } from '../../src/scripts/repo'
import type { ScriptParameter } from '../../src/scripts/types'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader, Time } from '../components/common'
import { Csrf, FormError, Input, PostButton, Select } from '../components/form'
import { Layout } from '../layout'
import { OsBadges, type Owner } from './library'

export function ScriptTabs({ script, current }: { script: Script; current: 'script' | 'versions' | 'runs' | 'run' }) {
  const tab = (key: string, href: string, label: string) => <a href={href} aria-current={current === key ? 'page' : undefined} safe>{label}</a>
  return (
    <nav class="tabs">
      {tab('script', `/scripts/${script.id}`, 'Script')}{tab('versions', `/scripts/${script.id}/versions`, 'Versions')}
      {tab('run', `/scripts/${script.id}/run`, 'Run')}{tab('runs', `/scripts/${script.id}/runs`, 'Runs')}
    </nav>
  )
}

const languages = [{ value: 'bash', label: 'Bash' }, { value: 'sh', label: 'POSIX sh' }, { value: 'python', label: 'Python 3' }, { value: 'powershell', label: 'PowerShell' }, { value: 'cmd', label: 'Windows cmd' }]
const types: ScriptParameter['type'][] = ['string', 'number', 'boolean', 'select', 'secret']

function ParamRow({ index, p }: { index: string; p?: Partial<ScriptParameter> }) {
  const n = (f: string) => `parameters.${index}.${f}`
  return (
    <div class="grid-4 card" data-row="">
      <div class="field"><label>Name</label><input name={n('name')} value={p?.name} placeholder="SERVICE_NAME" pattern="[A-Za-z_][A-Za-z0-9_]*" /></div>
      <div class="field"><label>Type</label><select name={n('type')}>{types.map((t) => <option value={t} selected={p?.type === t}>{t}</option>)}</select></div>
      <div class="field"><label>Label</label><input name={n('label')} value={p?.label} /></div>
      <div class="field"><label>Default</label><input name={n('default')} value={p?.default === undefined || p?.default === null ? undefined : String(p.default)} /></div>
      <div class="field"><label>Options (select)</label><input name={n('options')} value={p?.options?.join(', ')} placeholder="a, b, c" /></div>
      <div class="field"><label>Description</label><input name={n('description')} value={p?.description} /></div>
      <div class="field"><label class="check"><input type="checkbox" name={n('required')} value="true" checked={p?.required} /> Required</label></div>
      <div class="field"><button type="button" class="btn small danger" x-on:click="remove">Remove</button></div>
    </div>
  )
}

export function ScriptEditorPage({ page, script, values, errors, owners, editable, editorAssets }: {
  page: PageProps
  script: Script | null
  values?: FormValues
  errors?: FieldErrors
  owners: Owner[]
  editable: boolean
  editorAssets: string
}) {
  const v: FormValues = values ?? (script ? { ...script, tags: script.tags.join(', ') } : { language: 'bash', timeoutSeconds: 300, runAs: 'system', osTypes: ['linux'], category: 'General' })
  const os = (v.osTypes as string[] | undefined) ?? []
  const params = (v.parameters as Partial<ScriptParameter>[] | undefined) ?? []
  const title = script ? script.name : 'New script'
  return (
    <Layout page={page} title={title}>
      <PageHeader title={title} subtitle={script ? `${script.isSystem ? 'Built-in template' : 'Script'} · version ${script.version}` : 'Write a script for Linux, macOS or Windows'}>
        {script ? <a class="btn" href={`/scripts/${script.id}/run?test=1`}>Test run</a> : ''}
        {script ? <a class="btn primary" href={`/scripts/${script.id}/run`}>Run</a> : ''}
        {script && !script.isSystem && editable ? <PostButton action={`/scripts/${script.id}/delete`} csrf={page.csrf} label="Delete" danger confirm="Delete this script? Past runs keep their record." /> : ''}
      </PageHeader>
      {script ? <ScriptTabs script={script} current="script" /> : ''}
      {script?.isSystem || (script && !editable)
        ? <ReadOnlyScript page={page} script={script} owners={owners} editorAssets={editorAssets} />
        : (
          <form method="post" action={script ? `/scripts/${script.id}` : '/scripts'} class="stack">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <div class="grid-2">
              <div class="card">
                <Input name="name" label="Name" values={v} errors={errors} required />
                <Input name="description" label="Description" values={v} errors={errors} />
                <Input name="category" label="Category" values={v} errors={errors} hint="Slash-separated, e.g. Maintenance/Disk" />
                <Input name="tags" label="Tags" values={v} errors={errors} hint="Comma-separated" />
                {script ? '' : <Select name="owner" label="Belongs to" options={owners} values={v} errors={errors} />}
              </div>
              <div class="card">
                <Select name="language" label="Language" options={languages} values={v} errors={errors} />
                <fieldset>
                  <legend>Runs on</legend>
                  {[['linux', 'Linux'], ['macos', 'macOS'], ['windows', 'Windows']].map(([val, label]) => <label class="check"><input type="checkbox" name="osTypes" value={val} checked={os.includes(val)} /> <span safe>{label}</span></label>)}
                  {errors?.osTypes ? <div class="error" safe>{errors.osTypes}</div> : ''}
                </fieldset>
                <div class="grid-2">
                  <Input name="timeoutSeconds" label="Timeout (seconds)" type="number" min={1} max={86400} values={v} errors={errors} />
                  <Select name="runAs" label="Run as" options={[{ value: 'system', label: 'System (root / SYSTEM)' }, { value: 'user', label: 'Logged-in user' }]} values={v} errors={errors} />
                </div>
                <Input name="outputCapMib" label="Output kept (MiB)" type="number" min={1} max={1024} values={v} errors={errors} placeholder="default" hint="Leave empty for the default of Settings → Script output." />
              </div>
            </div>
            <div class="card" x-data="codeEditor" data-assets={editorAssets} data-language-select="#f-language">
              <label for="f-content">Script</label>
              <textarea id="f-content" name="content" rows="20" class="mono" safe>{String(v.content ?? '')}</textarea>
              {errors?.content ? <div class="error" safe>{errors.content}</div> : ''}
              <p class="small muted">Parameters reach the script as environment variables of the same name (PowerShell: as named parameters), never pasted into the text.</p>
            </div>
            <div class="card" x-data="paramRows">
              <h3>Parameters</h3>
              {Object.entries(errors ?? {}).filter(([k]) => k.startsWith('parameters')).map(([, m]) => <div class="callout bad" safe>{m}</div>)}
              <div data-rows="" class="stack">{params.map((p, i) => <ParamRow index={String(i)} p={p} />)}</div>
              <template><ParamRow index="__INDEX__" /></template>
              <button type="button" class="btn small" x-on:click="add">Add parameter</button>
            </div>
            {script ? <div class="card"><Input name="changelog" label="What changed" errors={errors} placeholder="Fixed the path on Ubuntu 24.04" hint="Saved with this version" /></div> : ''}
            <div><button class="btn primary" type="submit">{script ? 'Save new version' : 'Create script'}</button></div>
          </form>
        )}
    </Layout>
  )
}

function ReadOnlyScript({ page, script, owners, editorAssets }: { page: PageProps; script: Script; owners: Owner[]; editorAssets: string }) {
  return (
    <div class="stack">
      <div class="card">
        <p safe>{script.description}</p>
        <p><OsBadges os={script.osTypes} /> <span class="badge">{script.language}</span> <span class="small muted">timeout {script.timeoutSeconds} s</span></p>
        {script.parameters.length
          ? (
            <table>
              <thead><tr><th>Parameter</th><th>Type</th><th>Required</th><th>Default</th></tr></thead>
              <tbody>{script.parameters.map((p) => <tr><td class="mono" safe>{p.name}</td><td>{p.type}</td><td>{p.required ? 'yes' : ''}</td><td safe>{p.default === undefined || p.default === null ? '' : String(p.default)}</td></tr>)}</tbody>
            </table>
          )
          : ''}
      </div>
      <div class="card" x-data="codeEditor" data-assets={editorAssets} data-language={script.language}>
        <textarea rows="20" readonly class="mono" safe>{script.content}</textarea>
      </div>
      {owners.length
        ? (
          <form class="card row" method="post" action={`/scripts/${script.id}/copy`}>
            <Csrf token={page.csrf} />
            <label for="f-owner">Copy to</label>
            <select id="f-owner" name="owner">{owners.map((o) => <option value={o.value} safe>{o.label}</option>)}</select>
            <button class="btn primary" type="submit">Copy and edit</button>
          </form>
        )
        : ''}
    </div>
  )
}

export function VersionsPage({ page, script, versions, canRollback }: { page: PageProps; script: Script; versions: ScriptVersion[]; canRollback: boolean }) {
  return (
    <Layout page={page} title={`${script.name} · versions`}>
      <PageHeader title={script.name} subtitle={`${versions.length} versions`} />
      <ScriptTabs script={script} current="versions" />
      <section class="card flush">
        <table>
          <thead><tr><th>Version</th><th>What changed</th><th>Saved</th><th></th></tr></thead>
          <tbody>
            {versions.map((v) => (
              <tr>
                <td><a href={`/scripts/${script.id}/versions/${v.id}`}>v{v.version}</a>{v.version === script.version ? <span class="badge ok">current</span> : ''}</td>
                <td safe>{v.changelog}</td>
                <td><Time ms={v.createdAt} /></td>
                <td class="actions">{canRollback && v.version !== script.version ? <PostButton action={`/scripts/${script.id}/rollback/${v.id}`} csrf={page.csrf} label="Roll back to this" small confirm={`Save version ${v.version}'s content as a new version?`} /> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  )
}

export function VersionPage({ page, script, version, diff, against }: { page: PageProps; script: Script; version: ScriptVersion; diff: ScriptVersionDiff; against: number | null }) {
  return (
    <Layout page={page} title={`${script.name} v${version.version}`}>
      <PageHeader title={`${script.name} — version ${version.version}`} subtitle={against ? `Changes from version ${against}` : 'First version'} />
      <ScriptTabs script={script} current="versions" />
      <div class="card">
        <p safe>{version.changelog}</p>
        <p class="small muted">Saved <Time ms={version.createdAt} /> · +{diff.added} −{diff.removed} lines</p>
        <pre class="diff">{diff.lines.map((l) => <div class={l.kind}><span class="gutter">{l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}</span><span safe>{l.text}</span></div>)}</pre>
      </div>
    </Layout>
  )
}
