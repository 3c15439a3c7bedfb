// CSV exports of list pages: one helper that pages through a list function and streams the
// rows (bounded memory; src/web/download.ts), cells escaped against spreadsheet formulas.
import { csvLine } from '../audit/query'
import type { Logger } from '../lib/log'
import { streamDownload } from './download'

/** csvExport streams `header` then the rows `page(n)` returns (1-based) until one comes back short or `maxPages` is reached. */
export function csvExport<T>(log: Logger, fileName: string, header: string[], page: (n: number) => Promise<{ rows: T[]; perPage: number }>, cells: (row: T) => unknown[], maxPages = 200): Promise<Response> {
  async function* chunks() {
    let head = csvLine(header)
    for (let n = 1; n <= maxPages; n++) {
      const { rows, perPage } = await page(n)
      yield head + rows.map((r) => csvLine(cells(r))).join('')
      head = ''
      if (rows.length < perPage) break
    }
  }
  return streamDownload(log, chunks(), { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${fileName}"`, 'x-content-type-options': 'nosniff' })
}

export const isoTime = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '')
