/** slugify makes a URL-safe slug from a display name ("Acme IT, Inc." → "acme-it-inc"). */
export function slugify(name: string): string {
  const s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50)
  return s || 'org'
}

/** uniqueSlug appends -2, -3… to `base` until `taken` says no. */
export async function uniqueSlug(base: string, taken: (slug: string) => Promise<boolean>): Promise<string> {
  if (!(await taken(base))) return base
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`
    if (!(await taken(candidate))) return candidate
  }
}
