// Global search: the query every search surface takes (the Ctrl+K box, /search, the API).
import { t } from 'elysia'
import { int } from '../web/model-types'

export const searchQuery = t.Object({
  q: t.Optional(t.String({ maxLength: 200, error: 'q is at most 200 characters' })),
  limit: t.Optional(int({ minimum: 1, maximum: 20, error: 'limit is 1 to 20 (results per kind)' })),
})
export type SearchQuery = typeof searchQuery.static

/** One thing found: what it is, what to call it, a line of context, and where it lives. */
export type SearchResult = { kind: string; id: string; title: string; subtitle: string; url: string }

/** A group of results of one kind, in the order the providers are listed. */
export type SearchGroup = { kind: string; label: string; results: SearchResult[] }
