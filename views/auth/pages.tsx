// Pages outside the app shell: sign-in, second factor, first-run setup, password reset, invitations.
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { BareProps } from '../../src/web/page'
import { Csrf, Field, FormError, Input } from '../components/form'
import { BareLayout } from '../layout'

type FormProps = { page: BareProps; errors?: FieldErrors; values?: FormValues }

export function LoginPage({ page, errors, values, next }: FormProps & { next?: string }) {
  return (
    <BareLayout page={page} title="Sign in">
      <h1>Sign in</h1>
      <form method="post" action="/login">
        <Csrf token={page.csrf} />
        <input type="hidden" name="next" value={next ?? ''} />
        <FormError errors={errors} />
        <Input name="email" label="Email" type="email" values={values} errors={errors} required autocomplete="username" autofocus />
        <Input name="password" label="Password" type="password" errors={errors} required autocomplete="current-password" />
        <button class="btn primary" type="submit">Sign in</button>
      </form>
      <p class="small"><a href="/forgot-password">Forgot your password?</a></p>
    </BareLayout>
  )
}

export function MfaLoginPage({ page, errors, next }: FormProps & { next?: string }) {
  return (
    <BareLayout page={page} title="Two-factor authentication">
      <h1>Two-factor authentication</h1>
      <p class="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
      <form method="post" action="/login/mfa">
        <Csrf token={page.csrf} />
        <input type="hidden" name="next" value={next ?? ''} />
        <FormError errors={errors} />
        <Input name="code" label="Code" errors={errors} required autocomplete="one-time-code" inputmode="text" autofocus />
        <button class="btn primary" type="submit">Verify</button>
      </form>
    </BareLayout>
  )
}

export function SetupPage({ page, errors, values, token, publicUrl }: FormProps & { token: string; publicUrl: { url: string; fixed: boolean } }) {
  return (
    <BareLayout page={page} title="Set up Breeze">
      <h1>Welcome to Breeze</h1>
      <p class="muted">Create your company (the partner) and its first administrator. This page disappears once it is done.</p>
      <form method="post" action="/setup">
        <Csrf token={page.csrf} />
        <input type="hidden" name="token" value={token} />
        <FormError errors={errors} />
        <Input name="partnerName" label="Company name" values={values} errors={errors} required hint="Your MSP or IT team, e.g. Acme IT" autofocus />
        <Input name="name" label="Your name" values={values} errors={errors} required autocomplete="name" />
        <Input name="email" label="Email" type="email" values={values} errors={errors} required autocomplete="email" />
        <Input name="password" label="Password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters" />
        {publicUrl.fixed
          ? <p class="small muted">Public URL: <code safe>{publicUrl.url}</code> (set by BREEZE_PUBLIC_URL)</p>
          : (
            <div x-data="publicUrlField" x-on:input="check">
              <Field name="publicUrl" label="Public URL" errors={errors} hint="Where people and agents reach Breeze: links in emails and the install commands use it. Check it; you can change it later under Settings.">
                <input id="f-publicUrl" name="publicUrl" type="url" required placeholder="https://rmm.example.com" value={values?.publicUrl === undefined ? undefined : String(values.publicUrl)} data-proposed={values?.publicUrl === undefined ? 'true' : undefined} />
              </Field>
              <p class="callout warn small" x-show="loopback" x-cloak>This address only works on this machine: other computers cannot open links to it or install the agent from it. Use the server's name or IP address as others reach it.</p>
            </div>
          )}
        <button class="btn primary" type="submit">Create administrator</button>
      </form>
    </BareLayout>
  )
}

export function ForgotPasswordPage({ page, errors, values, sent }: FormProps & { sent?: boolean }) {
  return (
    <BareLayout page={page} title="Reset password">
      <h1>Reset your password</h1>
      {sent
        ? <p>If an account uses that address, a reset link is on its way. It works once, for one hour.</p>
        : (
          <form method="post" action="/forgot-password">
            <Csrf token={page.csrf} />
            <FormError errors={errors} />
            <Input name="email" label="Email" type="email" values={values} errors={errors} required autofocus />
            <button class="btn primary" type="submit">Email me a link</button>
          </form>
        )}
      <p class="small"><a href="/login">Back to sign in</a></p>
    </BareLayout>
  )
}

export function ResetPasswordPage({ page, errors, token }: FormProps & { token: string }) {
  return (
    <BareLayout page={page} title="Choose a new password">
      <h1>Choose a new password</h1>
      <form method="post" action="/reset-password">
        <Csrf token={page.csrf} />
        <input type="hidden" name="token" value={token} />
        <FormError errors={errors} />
        <Input name="password" label="New password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters" autofocus />
        <button class="btn primary" type="submit">Set password</button>
      </form>
    </BareLayout>
  )
}

export function AcceptInvitePage({ page, errors, values, token, email }: FormProps & { token: string; email: string }) {
  return (
    <BareLayout page={page} title="Accept invitation">
      <h1>Join Breeze</h1>
      <p class="muted">Set up the account for <strong safe>{email}</strong>.</p>
      <form method="post" action={`/invite/${encodeURIComponent(token)}`}>
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="name" label="Your name" values={values} errors={errors} required autocomplete="name" autofocus />
        <Input name="password" label="Password" type="password" errors={errors} required autocomplete="new-password" hint="At least 10 characters" />
        <button class="btn primary" type="submit">Create account</button>
      </form>
    </BareLayout>
  )
}
