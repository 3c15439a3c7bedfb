// The outbound guard: refusal happens before any packet (listeners on loopback count every
// connection and must see none), the checked address is the one connected to (a resolver that
// would answer differently the second time, and a name no real DNS knows), redirects are
// re-checked, answers and time are capped. Positive cases reach loopback only through an
// explicit allow entry; nothing here sends a packet anywhere but loopback.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Socket, TCPSocketListener } from 'bun'
import { addressAllowed, checkTarget, classifyAddress, normalizeAddress, outboundFetch, OutboundRefusedError, strictPolicy, type OutboundPolicy, type Resolver } from './outbound'

/** A TCP listener that counts connections (any byte sent to it would need one). */
function countingListener(hostname: string) {
  let connections = 0
  const server: TCPSocketListener = Bun.listen({ hostname, port: 0, socket: { open(s: Socket) { connections++; s.end() }, data() {} } })
  return { port: server.port, get connections() { return connections }, stop: () => server.stop(true) }
}

/** An HTTP receiver on 127.0.0.1 that records requests. */
function receiver(respond: (req: Request) => Response | Promise<Response> = () => new Response('fine')) {
  const seen: { url: string; host: string | null; auth: string | null; method: string; body: string }[] = []
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(req) {
      seen.push({ url: req.url, host: req.headers.get('host'), auth: req.headers.get('authorization'), method: req.method, body: await req.text() })
      return respond(req)
    },
  })
  return { port: server.port, seen, stop: () => server.stop(true) }
}

const loopbackOnly: OutboundPolicy = { allowPrivate: false, allowAddresses: ['127.0.0.1'] }
const names = (map: Record<string, string[]>): Resolver => async (host) => {
  const hit = map[host.toLowerCase()]
  if (!hit) throw new Error(`ENOTFOUND ${host}`)
  return hit
}

describe('classifyAddress', () => {
  test.each([
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['2606:4700:4700::1111', 'public'], ['192.175.48.1', 'public'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'private'], ['100.127.255.254', 'private'],
    ['fd00::1', 'private'], ['fc00::1', 'private'], ['fec0::1', 'private'], ['64:ff9b:1::a', 'private'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'],
    ['::ffff:0:7f00:1', 'loopback'], ['64:ff9b::7f00:1', 'loopback'], ['64:ff9b::127.0.0.1', 'loopback'], ['2002:7f00:1::', 'loopback'], ['2002:7f00:0001:abcd::1', 'loopback'], ['::127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'], ['169.254.0.1', 'link-local'], ['fe80::1', 'link-local'], ['::ffff:169.254.169.254', 'link-local'], ['64:ff9b::a9fe:a9fe', 'link-local'], ['2002:a9fe:a9fe::', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'], ['::ffff:0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::1', 'multicast'], ['::ffff:224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'], ['240.0.0.1', 'reserved'], ['2001:db8::1', 'reserved'], ['2001::1', 'reserved'], ['100::1', 'reserved'],
    ['::ffff:10.1.2.3', 'private'], ['64:ff9b::a01:203', 'private'], ['2002:c0a8:101::1', 'private'], ['::ffff:8.8.8.8', 'public'], ['64:ff9b::808:808', 'public'],
  ])('%s is %s', (ip, cls) => expect(classifyAddress(ip).cls).toBe(cls as never))

  test('allow entries name exact addresses; private ranges need the toggle', () => {
    expect(addressAllowed('127.0.0.1', strictPolicy).ok).toBe(false)
    expect(addressAllowed('127.0.0.1', loopbackOnly).ok).toBe(true)
    expect(addressAllowed('::ffff:127.0.0.1', loopbackOnly).ok).toBe(true)
    expect(addressAllowed('127.0.0.2', loopbackOnly).ok).toBe(false)
    expect(addressAllowed('::1', loopbackOnly).ok).toBe(false)
    expect(addressAllowed('10.0.0.1', strictPolicy).ok).toBe(false)
    expect(addressAllowed('10.0.0.1', { allowPrivate: true, allowAddresses: [] }).ok).toBe(true)
    expect(addressAllowed('fd12::3', { allowPrivate: true, allowAddresses: [] }).ok).toBe(true)
    // The toggle is for private ranges only: loopback and metadata stay refused.
    for (const ip of ['127.0.0.1', '169.254.169.254', '::1', '0.0.0.0', '224.0.0.1']) expect(addressAllowed(ip, { allowPrivate: true, allowAddresses: [] }).ok).toBe(false)
    expect(addressAllowed('169.254.169.254', { allowPrivate: false, allowAddresses: ['169.254.169.254'] }).ok).toBe(true)
  })

  test('normalizeAddress accepts IP literals only', () => {
    expect(normalizeAddress(' 127.0.0.1 ')).toBe('127.0.0.1')
    expect(normalizeAddress('[FD00::0001]')).toBe('fd00::1')
    for (const bad of ['localhost', '127.1', '2130706433', '0x7f000001', '10.0.0.0/8', 'fe80::1%eth0', '', '1.2.3.4.5']) expect(normalizeAddress(bad)).toBeNull()
  })
})

describe('refused before any packet', () => {
  const v4 = countingListener('127.0.0.1')
  const v6 = countingListener('::1')
  afterAll(() => { v4.stop(); v6.stop() })

  const p4 = v4.port
  const p6 = v6.port
  const hostile = () => [
    `http://127.0.0.1:${p4}/`, `http://localhost:${p4}/`, `http://LOCALHOST:${p4}/`, `http://localhost.:${p4}/`, `http://2130706433:${p4}/`, `http://0x7f000001:${p4}/`,
    `http://0x7f.0.0.1:${p4}/`, `http://0177.0.0.1:${p4}/`, `http://127.1:${p4}/`, `http://127.0.1:${p4}/`, `http://0:${p4}/`, `http://0.0.0.0:${p4}/`, `https://127.0.0.1:${p4}/`,
    `http://[::ffff:127.0.0.1]:${p4}/`, `http://[::ffff:7f00:1]:${p4}/`, `http://[0:0:0:0:0:ffff:127.0.0.1]:${p4}/`, `http://[::ffff:0:7f00:1]:${p4}/`,
    `http://[64:ff9b::7f00:1]:${p4}/`, `http://[2002:7f00:1::]:${p4}/`, `http://[::127.0.0.1]:${p4}/`, `http://[::]:${p6}/`, `http://[::1]:${p6}/`,
    `http://[0:0:0:0:0:0:0:1]:${p6}/`, `http://rebind.test:${p4}/`, `http://mapped.test:${p4}/`, `http://v6.test:${p6}/`, `http://127.0.0.1.nip.test:${p4}/`,
    `http://169.254.169.254/latest/meta-data/`, `http://[fe80::1]/`, `http://[::ffff:169.254.169.254]/`, `http://metadata.test/computeMetadata/v1/`,
    `http://10.0.0.1/`, `http://192.168.1.1/`, `http://172.16.0.1/`, `http://100.64.0.1/`, `http://[fd00::1]/`, `http://lan.test/`, `http://224.0.0.1/`, `http://255.255.255.255/`,
  ]
  const resolve = names({
    localhost: ['127.0.0.1', '::1'], 'rebind.test': ['127.0.0.1'], 'mapped.test': ['::ffff:127.0.0.1'], 'v6.test': ['::1'], '127.0.0.1.nip.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'], 'lan.test': ['192.168.1.20', 'fd00::20'],
  })

  test('loopback, link-local, unspecified, multicast and private targets in every spelling', async () => {
    for (const url of hostile()) {
      const started = performance.now()
      let error: unknown = null
      try { await outboundFetch(url, { method: 'POST', body: 'x' }, { policy: strictPolicy, resolve }) } catch (err) { error = err }
      if (!(error instanceof OutboundRefusedError)) throw new Error(`${url} was not refused: ${error}`)
      expect(error.reason).toBe('address')
      expect(performance.now() - started).toBeLessThan(1000)
    }
    expect(v4.connections).toBe(0)
    expect(v6.connections).toBe(0)
  })

  test('the real resolver: localhost resolves to loopback and is refused', async () => {
    await expect(outboundFetch(`http://localhost:${p4}/`, {}, { policy: strictPolicy })).rejects.toBeInstanceOf(OutboundRefusedError)
    await expect(outboundFetch(`http://localhost:${p4}/`, {}, { policy: { allowPrivate: true, allowAddresses: [] } })).rejects.toBeInstanceOf(OutboundRefusedError)
    expect(v4.connections).toBe(0)
  })

  test('other schemes and credentials in the URL are refused', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://8.8.8.8/', 'gopher://127.0.0.1:70/', 'data:text/plain,x', 'javascript:alert(1)', 'ws://8.8.8.8/', 'not a url']) {
      await expect(checkTarget(url, loopbackOnly)).rejects.toMatchObject({ reason: 'scheme' })
    }
    await expect(checkTarget(`http://user:pw@127.0.0.1:${p4}/`, loopbackOnly)).rejects.toMatchObject({ reason: 'credentials' })
  })

  test('private ranges pass the check only with the toggle (checked, not sent: no real private address is contacted)', async () => {
    await expect(checkTarget('http://lan.test/', strictPolicy, resolve)).rejects.toBeInstanceOf(OutboundRefusedError)
    expect(await checkTarget('http://lan.test/', { allowPrivate: true, allowAddresses: [] }, resolve)).toMatchObject({ address: '192.168.1.20' })
    expect(await checkTarget('http://[fd00::1]:8080/', { allowPrivate: true, allowAddresses: [] }, resolve)).toMatchObject({ address: 'fd00::1' })
  })

  test('a name that also answers a loopback address is pinned to its allowed answer', async () => {
    const mixed = names({ 'mixed.test': ['169.254.169.254', '127.0.0.1'] })
    expect(await checkTarget('http://mixed.test/', loopbackOnly, mixed)).toMatchObject({ address: '127.0.0.1' })
    await expect(checkTarget('http://mixed.test/', strictPolicy, mixed)).rejects.toThrow(/169\.254\.169\.254 is a link-local address/)
  })
})

describe('allowed through an explicit entry', () => {
  let r: ReturnType<typeof receiver>
  beforeAll(() => {
    r = receiver(async (req) => {
      const url = new URL(req.url)
      if (url.pathname === '/big') return new Response('x'.repeat(1 << 20))
      if (url.pathname === '/slow') { await Bun.sleep(3000); return new Response('late') }
      if (url.pathname.startsWith('/redirect/')) return new Response(null, { status: Number(url.pathname.split('/')[2]), headers: { location: url.searchParams.get('to')! } })
      return new Response(`hello ${url.pathname}`)
    })
  })
  afterAll(() => r.stop())

  test('reaches the listed address; Host keeps the name; the name is resolved once, by the guard only', async () => {
    let calls = 0
    // A rebinding resolver: the first answer passes the check, any later one would be metadata.
    // .test names do not exist in real DNS: had fetch resolved the name itself, it would fail.
    const rebinding: Resolver = async () => (calls++ === 0 ? ['127.0.0.1'] : ['169.254.169.254'])
    const res = await outboundFetch(`http://hook.test:${r.port}/in?x=1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'ping' }, { policy: loopbackOnly, resolve: rebinding })
    expect(res).toMatchObject({ status: 200, ok: true, truncated: false })
    expect(new TextDecoder().decode(res.body)).toBe('hello /in')
    expect(calls).toBe(1)
    expect(r.seen.at(-1)).toMatchObject({ host: `hook.test:${r.port}`, method: 'POST', body: 'ping' })
    expect(new URL(r.seen.at(-1)!.url).search).toBe('?x=1')
  })

  test('answers are cut at maxBytes; a slow receiver hits the time limit', async () => {
    const big = await outboundFetch(`http://127.0.0.1:${r.port}/big`, {}, { policy: loopbackOnly, maxBytes: 1000 })
    expect(big.body.length).toBe(1000)
    expect(big.truncated).toBe(true)
    const none = await outboundFetch(`http://127.0.0.1:${r.port}/big`, {}, { policy: loopbackOnly, maxBytes: 0 })
    expect(none.body.length).toBe(0)
    const started = performance.now()
    await expect(outboundFetch(`http://127.0.0.1:${r.port}/slow`, {}, { policy: loopbackOnly, timeoutMs: 300 })).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(performance.now() - started).toBeLessThan(2000)
  })

  test('redirects: not followed by default; followed hops are checked again; credentials do not cross origins', async () => {
    const other = countingListener('127.0.0.2')
    try {
      const to = (target: string, status = 302) => `http://127.0.0.1:${r.port}/redirect/${status}?to=${encodeURIComponent(target)}`
      const unfollowed = await outboundFetch(to('/x'), {}, { policy: loopbackOnly })
      expect(unfollowed.status).toBe(302)
      for (const target of [`http://127.0.0.2:${other.port}/`, 'http://169.254.169.254/latest/meta-data/', `http://[::1]:${other.port}/`, 'http://10.0.0.1/', 'file:///etc/passwd']) {
        await expect(outboundFetch(to(target), {}, { policy: loopbackOnly, maxRedirects: 3 })).rejects.toBeInstanceOf(OutboundRefusedError)
      }
      expect(other.connections).toBe(0)
      const followed = await outboundFetch(to('/after'), { method: 'POST', body: 'b' }, { policy: loopbackOnly, maxRedirects: 3 })
      expect(new TextDecoder().decode(followed.body)).toBe('hello /after')
      expect(r.seen.at(-1)!.method).toBe('GET')
      await outboundFetch(to('/kept', 307), { method: 'POST', body: 'b' }, { policy: loopbackOnly, maxRedirects: 3 })
      expect(r.seen.at(-1)).toMatchObject({ method: 'POST', body: 'b' })
      const two = names({ 'a.test': ['127.0.0.1'], 'b.test': ['127.0.0.1'] })
      await outboundFetch(`http://a.test:${r.port}/redirect/307?to=${encodeURIComponent(`http://b.test:${r.port}/cross`)}`, { headers: { authorization: 'Bearer secret' } }, { policy: loopbackOnly, resolve: two, maxRedirects: 1 })
      expect(r.seen.at(-1)).toMatchObject({ host: `b.test:${r.port}`, auth: null })
      await expect(outboundFetch(to(to(to('/loop'))), {}, { policy: loopbackOnly, maxRedirects: 1 }).then((x) => x.status)).resolves.toBe(302)
    } finally {
      other.stop()
    }
  })

  test('https: the pinned connection still checks the certificate against the name (SNI kept)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'breeze-tls-'))
    try {
      const gen = Bun.spawnSync(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`, '-days', '1', '-subj', '/CN=hook.test', '-addext', 'subjectAltName=DNS:hook.test'], { stderr: 'pipe' })
      expect(gen.exitCode).toBe(0)
      const cert = readFileSync(`${dir}/c.pem`, 'utf8')
      const tls = Bun.serve({ port: 0, hostname: '127.0.0.1', tls: { cert, key: readFileSync(`${dir}/k.pem`, 'utf8') }, fetch: (req) => new Response(`tls ${req.headers.get('host')}`) })
      try {
        const resolve = names({ 'hook.test': ['127.0.0.1'], 'wrong.test': ['127.0.0.1'] })
        const ok = await outboundFetch(`https://hook.test:${tls.port}/`, {}, { policy: loopbackOnly, resolve, ca: cert })
        expect(new TextDecoder().decode(ok.body)).toBe(`tls hook.test:${tls.port}`)
        await expect(outboundFetch(`https://wrong.test:${tls.port}/`, {}, { policy: loopbackOnly, resolve, ca: cert })).rejects.toThrow(/CERT|certificate/i)
        await expect(outboundFetch(`https://hook.test:${tls.port}/`, {}, { policy: loopbackOnly, resolve })).rejects.toThrow()
      } finally {
        tls.stop(true)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
