// The data every full page needs (layout, nav, org switcher), built from the request.
import type { Context } from 'elysia'
import type { RequestActor } from './actor-plugin'
import type { AppContext } from '../context'
import { permissionsAnywhere } from '../tenancy/scope'
import { listOrgNames } from '../tenancy/repo'
import { orgIdsWith } from '../tenancy/scope'
import { assetUrls } from './assets'
import { userOf } from './actor-plugin'
import { takeFlash, type Flash } from './render'

export type Theme = 'light' | 'dark' | 'system'

export type PageProps = {
  user: { id: string; name: string; email: string; isPlatformAdmin: boolean; mfaEnabled: boolean }
  csrf: string
  flash: Flash | null
  assets: Record<string, string>
  orgs: { id: string; name: string }[]
  activeOrgId: string | null
  /** Every permission the user holds somewhere (decides which nav links show). */
  can: string[]
  path: string
  theme: Theme
}

/** BareProps is what pages outside the app shell (sign-in, setup) need. */
export type BareProps = { csrf: string; flash: Flash | null; assets: Record<string, string>; theme: Theme }

type Cookies = Parameters<typeof takeFlash>[0]
type PageRequest = { actor: RequestActor; csrfToken: string; cookie: Cookies; request: Request; info: { path: string } }

/** PageContext is the part of an Elysia handler context that page helpers use. */
export type PageContext = PageRequest & { set: Context['set'] }

export function themeOf(cookie: Cookies): Theme {
  const v = cookie.breeze_theme?.value
  return v === 'light' || v === 'dark' ? v : 'system'
}

/** pageProps resolves the signed-in user (or throws, which redirects to sign-in) and the shell's data. */
export async function pageProps(ctx: AppContext, c: PageRequest, opts: { allowMfaEnrollment?: boolean } = {}): Promise<PageProps> {
  const actor = userOf(c.actor, opts)
  const orgs = await listOrgNames(ctx.db, orgIdsWith(actor.scope, 'orgs:read'))
  const active = actor.session?.activeOrgId ?? null
  return {
    user: { id: actor.user.id, name: actor.user.name, email: actor.user.email, isPlatformAdmin: actor.scope.platformAdmin, mfaEnabled: actor.user.mfaEnabled },
    csrf: c.csrfToken,
    flash: takeFlash(c.cookie),
    assets: assetUrls(),
    orgs,
    activeOrgId: active && orgs.some((o) => o.id === active) ? active : null,
    can: [...permissionsAnywhere(actor.scope)],
    path: c.info.path,
    theme: themeOf(c.cookie),
  }
}

export function bareProps(c: Omit<PageRequest, 'actor' | 'info'>): BareProps {
  return { csrf: c.csrfToken, flash: takeFlash(c.cookie), assets: assetUrls(), theme: themeOf(c.cookie) }
}
