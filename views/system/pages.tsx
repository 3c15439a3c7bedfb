// System pages: setup-pending notice and the API reference.
import type { BareProps } from '../../src/web/page'
import { BareLayout } from '../layout'

export function SetupPendingPage({ page }: { page: BareProps }) {
  return (
    <BareLayout page={page} title="Setup">
      <h1>Breeze is not set up yet</h1>
      <p>Open the one-time setup link that the server printed in its log when it started (it looks like <code>/setup?token=…</code>).</p>
      <p class="muted small">No console access? Create the first administrator on the server with <code>breeze setup --email you@example.com --password … --partner-name "Your company"</code>.</p>
    </BareLayout>
  )
}

type Operation = { method: string; path: string; summary: string; tag: string; params: string[]; body: unknown }

export function ApiDocsPage({ page, operations, version }: { page: BareProps; operations: Operation[]; version: string }) {
  const tags = [...new Set(operations.map((o) => o.tag))].sort()
  return (
    <>
      {'<!doctype html>'}
      <html lang="en" data-theme={page.theme === 'system' ? undefined : page.theme}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>API reference · Breeze</title>
          <link rel="stylesheet" href={page.assets['app.css']} />
        </head>
        <body>
          <main class="content">
            <h1>Breeze API <span class="badge" safe>{version}</span></h1>
            <p>Authenticate with <code>Authorization: Bearer brz_…</code> (create a key under Account → API keys), or with the session cookie from <code>POST /api/v1/auth/login</code> plus its <code>csrfToken</code> in an <code>X-CSRF-Token</code> header. Errors are <code>{'{"error":{"code","message","details"}}'}</code>. The machine-readable document is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
            {tags.map((tag) => (
              <section class="card">
                <h2 safe>{tag}</h2>
                <table>
                  <tbody>
                    {operations.filter((o) => o.tag === tag).map((o) => (
                      <tr>
                        <td class="nowrap"><span class="badge info" safe>{o.method}</span></td>
                        <td class="mono" safe>{o.path}</td>
                        <td>
                          <div safe>{o.summary}</div>
                          {o.params.length ? <div class="small muted" safe>{'query: ' + o.params.join(', ')}</div> : ''}
                          {o.body ? <details><summary class="small">Body schema</summary><pre safe>{JSON.stringify(o.body, null, 2)}</pre></details> : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            ))}
          </main>
        </body>
      </html>
    </>
  )
}
