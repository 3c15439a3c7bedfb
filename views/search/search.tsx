// Global search: the result list (shared by the Ctrl+K box and the /search page) and the page.
import type { SearchGroup } from '../../src/search/model'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Layout } from '../layout'

/** SearchResults lists the groups as a listbox of links; static/js/app.js moves through them with the arrow keys. */
export function SearchResults({ q, groups, minLength }: { q: string; groups: SearchGroup[]; minLength: number }) {
  if (q.length < minLength) return <p class="search-hint muted small">Type at least {minLength} characters: device names, users or addresses, organizations, scripts, alerts, tickets.</p>
  if (groups.length === 0) return <p class="search-hint muted small" safe>{`Nothing found for "${q}".`}</p>
  return (
    <div class="search-groups" role="listbox" aria-label="Search results">
      {groups.map((g) => (
        <div role="group" aria-label={g.label} class="search-group">
          <div class="search-group-label" aria-hidden="true" safe>{g.label}</div>
          {g.results.map((r) => (
            <a class="search-option" role="option" aria-selected="false" id={`search-${r.kind}-${r.id}`} href={r.url} data-kind={r.kind}>
              <span class="search-title" safe>{r.title}</span>
              <span class="search-subtitle small muted" safe>{r.subtitle}</span>
            </a>
          ))}
        </div>
      ))}
    </div>
  )
}

export function SearchPage({ page, q, results }: { page: PageProps; q: string; results: JSX.Element }) {
  return (
    <Layout page={page} title={q ? `Search: ${q}` : 'Search'}>
      <PageHeader title="Search" subtitle="Devices, organizations, scripts, alerts and tickets you can see" />
      <div class="card search-page" x-data="searchBox">
        <form role="search" method="get" action="/search" hx-get="/search" hx-target="#search-page-results" hx-trigger="input changed delay:200ms from:(#search-page-q)" hx-push-url="true">
          <label for="search-page-q" class="sr-only">Search</label>
          <input id="search-page-q" type="search" name="q" value={q} autocomplete="off" placeholder="Search…" role="combobox" aria-expanded="true" aria-controls="search-page-results" aria-autocomplete="list" />
        </form>
        <div id="search-page-results" class="search-results">{results}</div>
      </div>
    </Layout>
  )
}
