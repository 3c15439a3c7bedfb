const titles: Record<number, string> = { 400: 'Bad request', 401: 'Sign in required', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 422: 'Cannot do that', 429: 'Slow down', 500: 'Server error' }

/** ErrorPage is a standalone page, so it renders even when the error came from building the shell. */
export function ErrorPage({ status, message, assets }: { status: number; message: string; assets: Record<string, string> }) {
  const title = titles[status] ?? 'Error'
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{title + ' · Breeze'}</title>
          <link rel="stylesheet" href={assets['app.css']} />
        </head>
        <body>
          <div class="auth-wrap">
            <div class="auth-card card">
              <h1 safe>{title}</h1>
              <p safe>{message}</p>
              <a class="btn" href="/">Go to Breeze</a>
            </div>
          </div>
        </body>
      </html>
    </>
  )
}
