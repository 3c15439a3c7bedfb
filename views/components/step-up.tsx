// The in-form prompt of a fleet-wide action (more than 50 devices) that needs a recent second
// factor (src/auth/fleet-guard.ts): a code field posted with the form (`stepUpCode`), or a link
// to set up two-factor authentication. The form keeps what was chosen, and a confirmed count.
import type { FieldErrors, FormValues } from '../../src/web/forms'

/** What the form says: the guard's message, and whether the user must enrol MFA first. */
export type StepUpPrompt = { needsEnrolment: boolean; message: string }

/** KeptConfirmCount carries an already confirmed device count through the next submission. */
export function KeptConfirmCount({ values, asking }: { values: FormValues; asking: boolean }) {
  if (asking || values.confirmCount === undefined || values.confirmCount === '') return ''
  return <input type="hidden" name="confirmCount" value={String(values.confirmCount)} />
}

export function StepUpPromptBox({ prompt, errors, secretsHint }: { prompt?: StepUpPrompt; errors?: FieldErrors; secretsHint?: boolean }) {
  if (!prompt) return ''
  return (
    <div class="callout warn" id="step-up-prompt">
      <p safe>{prompt.message}</p>
      {prompt.needsEnrolment
        ? <p><a class="btn" href="/account/mfa">Set up two-factor authentication</a></p>
        : (
          <div class="field">
            <label for="f-stepUpCode">Code from your authenticator app (or a recovery code)</label>
            <input id="f-stepUpCode" name="stepUpCode" type="text" autocomplete="one-time-code" inputmode="numeric" required autofocus />
            {errors?.stepUpCode ? <div class="error" safe>{errors.stepUpCode}</div> : ''}
            {secretsHint ? <div class="hint">Secret parameters are never sent back to the browser: type them again below.</div> : ''}
          </div>
        )}
    </div>
  )
}
