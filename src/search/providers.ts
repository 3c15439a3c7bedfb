// What global search looks through. Each provider asks its own domain's service (which applies
// the caller's scope), so search never sees more than the lists do. A new domain adds its
// provider here.
import { searchAlerts } from '../alerts/alerts'
import type { UserActor } from '../auth/actor'
import type { AppContext } from '../context'
import { listDevices } from '../devices/service'
import { listScripts } from '../scripts/library'
import type { Permission } from '../tenancy/permissions'
import { listOrgs } from '../tenancy/orgs'
import { listTickets } from '../tickets/tickets'
import type { SearchResult } from './model'

export type SearchProvider = {
  kind: string
  label: string
  /** The permission the caller needs somewhere for this kind to be searched at all. */
  permission: Permission
  search(ctx: AppContext, actor: UserActor, q: string, limit: number): Promise<SearchResult[]>
}

export const searchProviders: SearchProvider[] = [
  {
    kind: 'device', label: 'Devices', permission: 'devices:read',
    async search(ctx, actor, q, limit) {
      const page = await listDevices(ctx, actor, { search: q, perPage: limit })
      return page.rows.map((d) => ({ kind: 'device', id: d.id, title: d.displayName || d.hostname, subtitle: [d.displayName ? d.hostname : '', d.orgName, d.siteName, d.status].filter(Boolean).join(' · '), url: `/devices/${d.id}` }))
    },
  },
  {
    kind: 'org', label: 'Organizations', permission: 'orgs:read',
    async search(ctx, actor, q, limit) {
      const r = await listOrgs(ctx, actor, { search: q, perPage: limit })
      return r.rows.map((o) => ({ kind: 'org', id: o.id, title: o.name, subtitle: `${o.siteCount} site${o.siteCount === 1 ? '' : 's'} · ${o.status}`, url: `/orgs/${o.id}` }))
    },
  },
  {
    kind: 'script', label: 'Scripts', permission: 'scripts:read',
    async search(ctx, actor, q, limit) {
      const rows = await listScripts(ctx, actor, { search: q })
      return rows.slice(0, limit).map((s) => ({ kind: 'script', id: s.id, title: s.name, subtitle: [s.language, s.category, s.isSystem ? 'built-in' : ''].filter(Boolean).join(' · '), url: `/scripts/${s.id}` }))
    },
  },
  {
    kind: 'alert', label: 'Alerts', permission: 'alerts:read',
    async search(ctx, actor, q, limit) {
      const r = await searchAlerts(ctx, actor, { search: q, status: 'all', limit })
      return r.rows.map((a) => ({ kind: 'alert', id: a.id, title: a.title, subtitle: `${a.severity} · ${a.status}`, url: `/alerts/${a.id}` }))
    },
  },
  {
    kind: 'ticket', label: 'Tickets', permission: 'tickets:read',
    async search(ctx, actor, q, limit) {
      const r = await listTickets(ctx, actor, { search: q, status: 'all' })
      return r.rows.slice(0, limit).map((tk) => ({ kind: 'ticket', id: tk.id, title: `#${tk.number} ${tk.title}`, subtitle: `${tk.status.replace('_', ' ')} · ${tk.priority}`, url: `/tickets/${tk.id}` }))
    },
  },
]
