// Small helpers for benchmark output.

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** table renders a Markdown table; numbers get one decimal, null becomes a blank cell. */
export function table(head: string[], rows: (string | number | null)[][]): string {
  const fmt = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : 1) : '—') : v)
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(fmt).join(' | ')} |`)].join('\n')
}
