// Form building blocks. Every value and message is escaped: values through attributes,
// messages through `safe`.
import type { FieldErrors, FormValues } from '../../src/web/forms'

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />
}

/**
 * FormError sums up every problem of a posted form at its top (each field also shows its own):
 * nothing to fix stays hidden, not even a problem with a field this form does not show.
 */
export function FormError({ errors }: { errors?: FieldErrors }) {
  const { form, ...fields } = errors ?? {}
  const named = Object.entries(fields)
  if (!form && named.length === 0) return ''
  return (
    <div class="callout bad" role="alert">
      {form ? <p safe>{form}</p> : ''}
      {named.length > 0 ? (
        <ul class="form-problems">
          {named.map(([name, message]) => <li><a href={`#f-${name}`} safe>{fieldLabel(name)}</a>: <span safe>{message}</span></li>)}
        </ul>
      ) : ''}
    </div>
  )
}

/** fieldLabel words a field name for the summary: `sessionIdleMinutes` → "session idle minutes", `contact.email` → "contact email". */
function fieldLabel(name: string): string {
  return name.replace(/[._]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
}

type FieldProps = {
  name: string
  label: string
  errors?: FieldErrors
  hint?: string
  children: JSX.Element
}

/** Field wraps a control with its label, hint and error message. */
export function Field({ name, label, errors, hint, children }: FieldProps) {
  const error = errors?.[name]
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={`f-${name}`} safe>{label}</label>
      {children}
      {hint ? <div class="hint" safe>{hint}</div> : ''}
      {error ? <div class="error" safe>{error}</div> : ''}
    </div>
  )
}

type InputProps = {
  name: string
  label: string
  type?: string
  values?: FormValues
  value?: string | number | null
  errors?: FieldErrors
  hint?: string
  required?: boolean
  placeholder?: string
  autocomplete?: string
  min?: number
  max?: number
  autofocus?: boolean
  inputmode?: string
  pattern?: string
}

function valueAt(values: FormValues | undefined, name: string): unknown {
  let node: unknown = values
  for (const part of name.split('.')) node = node && typeof node === 'object' ? (node as FormValues)[part] : undefined
  return node
}

export function Input(p: InputProps) {
  const v = p.value ?? valueAt(p.values, p.name)
  return (
    <Field name={p.name} label={p.label} errors={p.errors} hint={p.hint}>
      <input
        id={`f-${p.name}`} name={p.name} type={p.type ?? 'text'} value={v === undefined || v === null ? undefined : String(v)}
        required={p.required} placeholder={p.placeholder} autocomplete={p.autocomplete} min={p.min} max={p.max}
        autofocus={p.autofocus} inputmode={p.inputmode} pattern={p.pattern}
      />
    </Field>
  )
}

export function Select(p: { name: string; label: string; options: { value: string; label: string }[]; values?: FormValues; value?: string | null; errors?: FieldErrors; hint?: string; required?: boolean; switcher?: boolean }) {
  const current = String(p.value ?? valueAt(p.values, p.name) ?? '')
  return (
    <Field name={p.name} label={p.label} errors={p.errors} hint={p.hint}>
      <select id={`f-${p.name}`} name={p.name} required={p.required} data-switch={p.switcher ? '' : undefined} x-on:change={p.switcher ? 'pick' : undefined}>
        {p.options.map((o) => <option value={o.value} selected={o.value === current} safe>{o.label}</option>)}
      </select>
    </Field>
  )
}

export function Textarea(p: { name: string; label: string; values?: FormValues; value?: string | null; errors?: FieldErrors; hint?: string; rows?: number }) {
  const v = p.value ?? valueAt(p.values, p.name)
  return (
    <Field name={p.name} label={p.label} errors={p.errors} hint={p.hint}>
      <textarea id={`f-${p.name}`} name={p.name} rows={String(p.rows ?? 4)} safe>{v === undefined || v === null ? '' : String(v)}</textarea>
    </Field>
  )
}

export function Checkbox(p: { name: string; label: string; checked?: boolean; value?: string; hint?: string }) {
  return (
    <div class="field">
      <label class="check"><input type="checkbox" name={p.name} value={p.value ?? 'true'} checked={p.checked} /> <span safe>{p.label}</span></label>
      {p.hint ? <div class="hint" safe>{p.hint}</div> : ''}
    </div>
  )
}

/** PostButton is a one-button form for an action (delete, revoke…), with optional confirmation. */
export function PostButton(p: { action: string; csrf: string; label: string; confirm?: string; danger?: boolean; small?: boolean; fields?: Record<string, string> }) {
  const cls = ['btn', p.danger ? 'danger' : '', p.small ? 'small' : ''].filter(Boolean).join(' ')
  return (
    <form method="post" action={p.action} class="inline-form" x-data={p.confirm ? 'confirmSubmit' : undefined} data-confirm={p.confirm} x-on:submit={p.confirm ? 'ask' : undefined}>
      <Csrf token={p.csrf} />
      {Object.entries(p.fields ?? {}).map(([k, v]) => <input type="hidden" name={k} value={v} />)}
      <button type="submit" class={cls} safe>{p.label}</button>
    </form>
  )
}
