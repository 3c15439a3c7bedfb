// The custom fields card of the device overview: a small table, and for those who may manage the
// device a value editor per row and a form to add one. htmx swaps the card in place; without
// JavaScript the forms post and come back to the page.
import type { CustomFieldView } from '../../src/devices/custom-fields'
import type { FieldErrors, FormValues } from '../../src/web/forms'
import { Csrf } from '../components/form'
import { Ago } from './parts'

export type CustomFieldsProps = {
  deviceId: string
  fields: CustomFieldView[]
  canWrite: boolean
  csrf: string
  now: number
  /** The add form's values and the errors of the last post. */
  values?: FormValues
  errors?: FieldErrors
}

export function CustomFieldsCard({ deviceId, fields, canWrite, csrf, now, values, errors }: CustomFieldsProps) {
  const action = `/devices/${deviceId}/custom-fields`
  const failed = errors ? Object.entries(errors) : []
  return (
    <section class="card" id="custom-fields">
      <h2>Custom fields</h2>
      {failed.length ? <div class="callout bad" role="alert">{failed.map(([k, m]) => <div safe>{`${k}: ${m}`}</div>)}</div> : ''}
      {fields.length === 0
        ? <p class="small muted">No custom fields yet.{canWrite ? ' Add one below, or let an automation set them.' : ''}</p>
        : (
          <table>
            <thead><tr><th>Name</th><th>Value</th><th>Updated</th></tr></thead>
            <tbody>{fields.map((f) => (
              <tr>
                <td class="mono" safe>{f.name}</td>
                <td>{canWrite
                  ? (
                    <form method="post" action={action} hx-post={action} hx-target="#custom-fields" hx-swap="outerHTML" class="inline-form">
                      <Csrf token={csrf} />
                      <input type="hidden" name="name" value={f.name} />
                      <input type="text" name="value" value={f.value} maxlength="1000" aria-label={`Value of ${f.name}`} />
                      <button class="btn small" type="submit">Save</button>
                      <button class="btn small danger" type="submit" name="remove" value="1">Remove</button>
                    </form>
                  )
                  : <span safe>{f.value}</span>}</td>
                <td class="small nowrap"><Ago ms={f.updatedAt} now={now} />{f.updatedByRun ? ' by an automation' : ''}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      {canWrite
        ? (
          <form method="post" action={action} hx-post={action} hx-target="#custom-fields" hx-swap="outerHTML" class="inline-form">
            <Csrf token={csrf} />
            <input type="text" name="name" value={String(values?.name ?? '')} placeholder="asset_tag" maxlength="40" aria-label="New field name" required />
            <input type="text" name="value" value={String(values?.value ?? '')} placeholder="Value" maxlength="1000" aria-label="New field value" />
            <button class="btn small primary" type="submit">Add field</button>
          </form>
        )
        : ''}
    </section>
  )
}
