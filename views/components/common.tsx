// Small generic pieces: page header, empty state, pagination, badges, timestamps.
import type { Children } from '@kitajs/html'

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: string; children?: Children }) {
  return (
    <div class="page-header">
      <div>
        <h1 safe>{title}</h1>
        {subtitle ? <p safe>{subtitle}</p> : ''}
      </div>
      <div class="row">{children ?? ''}</div>
    </div>
  )
}

/** EmptyState says what is missing and what to do next; never a fake row. */
export function EmptyState({ title, text, action }: { title: string; text: string; action?: { href: string; label: string } }) {
  return (
    <div class="empty">
      <h3 safe>{title}</h3>
      <p safe>{text}</p>
      {action ? <a class="btn primary" href={action.href} safe>{action.label}</a> : ''}
    </div>
  )
}

export function Pagination({ page, perPage, total, href }: { page: number; perPage: number; total: number; href: (page: number) => string }) {
  const pages = Math.max(1, Math.ceil(total / perPage))
  if (pages <= 1) return <div class="pagination muted small">{total} total</div>
  return (
    <div class="pagination">
      <span class="muted small">Page {page} of {pages} · {total} total</span>
      <span class="row">
        {page > 1 ? <a class="btn small" href={href(page - 1)}>Previous</a> : ''}
        {page < pages ? <a class="btn small" href={href(page + 1)}>Next</a> : ''}
      </span>
    </div>
  )
}

const badgeKinds: Record<string, string> = {
  active: 'ok', success: 'ok', online: 'ok', compliant: 'ok', completed: 'ok',
  trial: 'info', invited: 'info', pending: 'info', queued: 'info', running: 'info',
  cancelled: 'warn', timeout: 'bad',
  suspended: 'warn', warn: 'warn', failure: 'bad', denied: 'bad', disabled: 'bad', churned: 'bad', offline: 'bad', failed: 'bad',
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${badgeKinds[status] ?? ''}`} safe>{status}</span>
}

/** Time renders an epoch-ms instant in UTC ISO form; static/js/app.js does not rewrite it. */
export function Time({ ms }: { ms: number | null | undefined }) {
  if (!ms) return <span class="muted">—</span>
  const iso = new Date(ms).toISOString()
  const safeLabel = iso.slice(0, 16).replace('T', ' ') + ' UTC'
  return <time datetime={iso} title={iso}>{safeLabel}</time>
}
