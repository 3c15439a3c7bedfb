// Input shapes of the tenancy domain, shared by the HTML forms and the JSON API.
// Numbers and booleans are JSON types; form posts are converted by src/web/forms.ts.
import { t } from 'elysia'
import { int } from '../web/model-types'

const name = t.String({ minLength: 1, maxLength: 200 })
export const slug = t.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', error: 'slug must be lowercase letters, digits and dashes (at most 63)' })
const email = t.String({ format: 'email', maxLength: 254, error: 'must be a valid email address' })
const id = t.String({ minLength: 1, maxLength: 64 })
const limit = t.Union([int({ minimum: 0, maximum: 10_000_000 }), t.Null()])
const date = t.Union([t.String({ format: 'date', error: 'must be a date like 2026-01-31' }), t.Null()])
const contact = t.Object({ name: t.Optional(t.String({ maxLength: 200 })), email: t.Optional(t.String({ maxLength: 254 })), phone: t.Optional(t.String({ maxLength: 50 })) })

export const idParams = t.Object({ id })
export const pageQuery = {
  search: t.Optional(t.String({ maxLength: 200 })),
  page: t.Optional(int({ minimum: 1, maximum: 100_000 })),
  perPage: t.Optional(int({ minimum: 1, maximum: 500 })),
}

export const createPartnerBody = t.Object({
  name,
  slug: t.Optional(slug),
  type: t.Optional(t.Union([t.Literal('msp'), t.Literal('enterprise'), t.Literal('internal')])),
  plan: t.Optional(t.Union([t.Literal('free'), t.Literal('pro'), t.Literal('enterprise'), t.Literal('unlimited')])),
  billingEmail: t.Optional(t.Union([email, t.Null()])),
  maxOrganizations: t.Optional(limit),
  maxDevices: t.Optional(limit),
  mfaRequired: t.Optional(t.Boolean()),
})
export const updatePartnerBody = t.Partial(createPartnerBody)
export type CreatePartnerInput = typeof createPartnerBody.static

const orgStatus = t.Union([t.Literal('active'), t.Literal('suspended'), t.Literal('trial'), t.Literal('churned')])
export const createOrgBody = t.Object({
  /** Needed only when the caller belongs to more than one partner. */
  partnerId: t.Optional(id),
  name,
  slug: t.Optional(slug),
  type: t.Optional(t.Union([t.Literal('customer'), t.Literal('internal')])),
  status: t.Optional(orgStatus),
  maxDevices: t.Optional(limit),
  contractStart: t.Optional(date),
  contractEnd: t.Optional(date),
  billingContact: t.Optional(t.Union([contact, t.Null()])),
  settings: t.Optional(t.Record(t.String({ maxLength: 100 }), t.Unknown())),
})
export const updateOrgBody = t.Partial(t.Omit(createOrgBody, ['partnerId']))
export type CreateOrgInput = typeof createOrgBody.static
export type UpdateOrgInput = typeof updateOrgBody.static
export const orgListQuery = t.Object({ ...pageQuery, status: t.Optional(orgStatus), partnerId: t.Optional(id) })

const address = t.Object({
  street: t.Optional(t.String({ maxLength: 200 })), city: t.Optional(t.String({ maxLength: 100 })), region: t.Optional(t.String({ maxLength: 100 })),
  postalCode: t.Optional(t.String({ maxLength: 20 })), country: t.Optional(t.String({ maxLength: 100 })),
})
export const createSiteBody = t.Object({
  orgId: id,
  name,
  timezone: t.Optional(t.String({ maxLength: 64 })),
  address: t.Optional(t.Union([address, t.Null()])),
  contact: t.Optional(t.Union([contact, t.Null()])),
  settings: t.Optional(t.Record(t.String({ maxLength: 100 }), t.Unknown())),
})
export const updateSiteBody = t.Partial(t.Omit(createSiteBody, ['orgId']))
export type CreateSiteInput = typeof createSiteBody.static
export type UpdateSiteInput = typeof updateSiteBody.static
export const siteListQuery = t.Object({ orgId: t.Optional(id), search: t.Optional(t.String({ maxLength: 200 })) })

/** A membership: either partner-wide (with org access) or in one organization (optionally some sites). */
export const membershipBody = t.Union([
  t.Object({ partnerId: id, roleId: id, orgAccess: t.Union([t.Literal('all'), t.Literal('selected'), t.Literal('none')]), orgIds: t.Optional(t.Array(id, { maxItems: 10_000 })) }),
  t.Object({ orgId: id, roleId: id, siteIds: t.Optional(t.Union([t.Array(id, { maxItems: 10_000 }), t.Null()])) }),
])
export type MembershipInput = typeof membershipBody.static

/** The access picker's form fields, read loosely and then validated as a membershipBody. */
export const membershipPickerFields = t.Object({
  kind: t.Optional(t.String()), partnerId: t.Optional(t.String()), partnerRoleId: t.Optional(t.String()),
  orgAccess: t.Optional(t.String()), orgIds: t.Optional(t.Array(t.String())),
  orgId: t.Optional(t.String()), orgRoleId: t.Optional(t.String()), siteIds: t.Optional(t.Array(t.String())),
})

/** The invite form's own fields; the membership comes from the access picker. */
export const inviteUserFields = t.Object({ email, name: t.Optional(t.String({ maxLength: 200 })) })
export const inviteUserBody = t.Object({ ...inviteUserFields.properties, membership: membershipBody })
export type InviteUserInput = typeof inviteUserBody.static
export const updateUserBody = t.Object({
  name: t.Optional(name),
  status: t.Optional(t.Union([t.Literal('active'), t.Literal('disabled')])),
  membership: t.Optional(membershipBody),
})
export type UpdateUserInput = typeof updateUserBody.static
export const userListQuery = t.Object({ search: t.Optional(t.String({ maxLength: 200 })), orgId: t.Optional(id) })

export const createRoleBody = t.Object({
  name,
  description: t.Optional(t.String({ maxLength: 500 })),
  /** partner: assigned as a partner membership; organization: assigned in organizations. */
  scope: t.Union([t.Literal('partner'), t.Literal('organization')]),
  /** Exactly one of partnerId / orgId: who owns the role (an org role owned by a partner is usable in all its orgs). */
  partnerId: t.Optional(id),
  orgId: t.Optional(id),
  permissions: t.Array(t.String({ maxLength: 64 }), { maxItems: 200 }),
})
export const updateRoleBody = t.Partial(t.Pick(createRoleBody, ['name', 'description', 'permissions']))
export type CreateRoleInput = typeof createRoleBody.static
export type UpdateRoleInput = typeof updateRoleBody.static
