// Which devices a rule or maintenance window applies to: all, some sites, some groups, some devices.
import type { AppContext } from '../context'
import { ValidationError } from '../lib/errors'
import { idsInOrg } from './facts-repo'
import type { RuleTargets } from './types'

export type TargetDevice = { id: string; orgId: string; siteId: string }

/** targetsMatch: is the device targeted? Group membership is fetched only when a group target needs it. */
export async function targetsMatch(targets: RuleTargets, device: TargetDevice, groupIds: () => Promise<string[]>): Promise<boolean> {
  switch (targets.kind) {
    case 'all': return true
    case 'devices': return targets.ids.includes(device.id)
    case 'sites': return targets.ids.includes(device.siteId)
    case 'groups': {
      const mine = await groupIds()
      return targets.ids.some((id) => mine.includes(id))
    }
  }
}

/** checkTargets validates target ids against the org (null org = partner-wide: all devices only). */
export async function checkTargets(ctx: Pick<AppContext, 'db'>, orgId: string | null, input: { kind: RuleTargets['kind']; ids?: string[] }): Promise<RuleTargets> {
  if (input.kind === 'all') return { kind: 'all' }
  if (!orgId) throw new ValidationError('targets/kind', 'partner-wide rules apply to all devices; target sites, groups or devices in an organization rule')
  const ids = [...new Set(input.ids ?? [])]
  if (ids.length === 0) throw new ValidationError('targets/ids', `choose at least one of the ${input.kind}`)
  const found = await idsInOrg(ctx.db, input.kind, ids, orgId)
  const missing = ids.find((id) => !found.includes(id))
  if (missing) throw new ValidationError('targets/ids', `no such ${input.kind.replace(/s$/, '')} in this organization: ${missing}`)
  return { kind: input.kind, ids }
}
