import { pgTable as table } from 'drizzle-orm/pg-core'
import { json, ms, text } from './columns'
import { users } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** A user's home dashboard: which widgets show, in which order (keys of src/dashboard/registry.ts). */
export const dashboardLayouts = table('dashboard_layouts', {
  userId: text().primaryKey().references(() => users.id),
  /** In display order; widgets not listed (added later) show after these. */
  widgets: json<{ key: string; visible: boolean }[]>().notNull(),
  updatedAt: ms().notNull(),
})
