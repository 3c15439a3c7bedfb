// TestClient: a browser-like HTTP client with a cookie jar that knows Breeze's CSRF rules.
export type Res = { status: number; headers: Headers; text: string; json: any }

export class TestClient {
  cookies = new Map<string, string>()
  csrf = ''

  constructor(readonly base: string, readonly extraHeaders: Record<string, string> = {}) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private store(headers: Headers) {
    for (const c of headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';')
      const [name, ...rest] = pair.split('=')
      const value = rest.join('=')
      const expired = attrs.some((a) => /max-age=0$/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()))
      if (expired || value === '') this.cookies.delete(name.trim())
      else this.cookies.set(name.trim(), value)
    }
  }

  /** request sends a request like a same-origin browser (Origin header, cookies, CSRF token). */
  async request(method: string, path: string, opts: { json?: unknown; form?: Record<string, string | string[]>; raw?: string; headers?: Record<string, string>; csrf?: boolean | string } = {}): Promise<Res> {
    const headers: Record<string, string> = { ...this.extraHeaders, ...opts.headers }
    if (this.cookies.size) headers.cookie = this.cookieHeader()
    let body: string | undefined = opts.raw
    if (opts.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(opts.json) }
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(opts.form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one)
      body = params.toString()
    }
    if (method !== 'GET' && method !== 'HEAD') {
      headers.origin ??= this.base
      const token = typeof opts.csrf === 'string' ? opts.csrf : opts.csrf === false ? '' : this.csrf
      if (token) headers['x-csrf-token'] = token
    }
    const res = await fetch(this.base + path, { method, headers, body, redirect: 'manual' })
    this.store(res.headers)
    const text = await res.text()
    let json: unknown = undefined
    try { json = JSON.parse(text) } catch {}
    const meta = /<meta name="csrf-token" content="([^"]*)"/.exec(text)
    if (meta?.[1]) this.csrf = meta[1]
    if (json && typeof json === 'object' && typeof (json as { csrfToken?: unknown }).csrfToken === 'string') this.csrf = (json as { csrfToken: string }).csrfToken
    return { status: res.status, headers: res.headers, text, json }
  }

  get(path: string, headers?: Record<string, string>) { return this.request('GET', path, { headers }) }
  post(path: string, json?: unknown) { return this.request('POST', path, { json: json ?? {} }) }
  patch(path: string, json: unknown) { return this.request('PATCH', path, { json }) }
  put(path: string, json: unknown) { return this.request('PUT', path, { json }) }
  delete(path: string) { return this.request('DELETE', path) }
  /** form posts like an HTML form; fetches the page first when no CSRF token is known yet. */
  async form(path: string, fields: Record<string, string | string[]>, fromPage?: string) {
    if (fromPage) await this.get(fromPage)
    return this.request('POST', path, { form: { _csrf: this.csrf, ...fields } })
  }

  /** login signs in through the JSON API (and the TOTP step when a code function is given). */
  async login(email: string, password: string, totp?: () => string): Promise<Res> {
    const res = await this.post('/api/v1/auth/login', { email, password })
    if (res.status === 200 && res.json.mfaRequired && totp) return this.post('/api/v1/auth/mfa/verify', { code: totp() })
    return res
  }

  /** withBearer returns a client that authenticates with an API key and has no cookies. */
  static withBearer(base: string, key: string) {
    return new TestClient(base, { authorization: `Bearer ${key}` })
  }
}
