// Global search: GET /api/v1/search (JSON), GET /search (the page; its result list alone for
// the Ctrl+K box, which swaps #search-results).
import { Elysia } from 'elysia'
import { SearchPage, SearchResults } from '../../views/search/search'
import type { AppContext } from '../context'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { htmxTarget } from '../web/htmx'
import { pageProps } from '../web/page'
import { render } from '../web/render'
import { searchQuery } from './model'
import { minQueryLength, searchEverything } from './service'

export function searchRoutes(ctx: AppContext) {
  return new Elysia({ name: 'breeze.search' })
    .use(actorPlugin(ctx))
    .get('/api/v1/search', async (c) => {
      const q = c.query.q?.trim() ?? ''
      return { query: q, groups: await searchEverything(ctx, userOf(c.actor), q, { limit: c.query.limit }) }
    }, { query: searchQuery, detail: { summary: `Search devices, organizations, scripts, alerts and tickets you can see (q: at least ${minQueryLength} characters; limit: results per kind, default 5)`, tags: ['search'] } })
    .get('/search', async (c) => {
      const actor = userOf(c.actor)
      const q = c.query.q?.trim() ?? ''
      const groups = await searchEverything(ctx, actor, q, { limit: c.query.limit ?? (htmxTarget(c.request) === 'search-results' ? 5 : 20) })
      const results = <SearchResults q={q} groups={groups} minLength={minQueryLength} />
      if (htmxTarget(c.request) === 'search-results') return render(c, results)
      return render(c, <SearchPage page={await pageProps(ctx, c)} q={q} results={results} />)
    }, { query: searchQuery })
}
