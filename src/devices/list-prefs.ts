// The device list's display choices as this browser remembers them (cookies): which columns,
// and how dense. Saved views (saved-views.ts) keep named sets of them on the server.
import { chosenColumns } from './columns'
import type { Density } from './model'

export const columnsCookie = 'breeze_device_columns'
export const densityCookie = 'breeze_device_density'

type Jar = Record<string, { value?: unknown; set(o: object): void }>

export type ListPrefs = { columns: string[]; density: Density }

/** readListPrefs: the columns and density this browser chose (defaults when none). */
export function readListPrefs(cookie: Jar): ListPrefs {
  return { columns: chosenColumns(cookie[columnsCookie]?.value), density: cookie[densityCookie]?.value === 'compact' ? 'compact' : 'comfortable' }
}

/** writeListPrefs remembers columns and/or density for a year. */
export function writeListPrefs(cookie: Jar, prefs: Partial<ListPrefs>) {
  const opts = { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 24 * 3600 }
  if (prefs.columns) cookie[columnsCookie].set({ value: chosenColumns(prefs.columns.join(',')).join(','), ...opts })
  if (prefs.density) cookie[densityCookie].set({ value: prefs.density, ...opts })
}
