// Static assets, embedded in the binary by `with { type: 'file' }` and served under
// content-hashed URLs (cached forever; a new build gets new URLs). Browser libraries come
// straight from node_modules: no CDN, no bundling step.
import { Elysia } from 'elysia'
import alpineJs from '@alpinejs/csp/dist/cdn.min.js' with { type: 'file' }
import xtermFitJs from '@xterm/addon-fit/lib/addon-fit.js' with { type: 'file' }
import xtermCss from '@xterm/xterm/css/xterm.css' with { type: 'file' }
import xtermJs from '@xterm/xterm/lib/xterm.js' with { type: 'file' }
import htmxJs from 'htmx.org/dist/htmx.min.js' with { type: 'file' }
import uplotCss from 'uplot/dist/uPlot.min.css' with { type: 'file' }
import uplotJs from 'uplot/dist/uPlot.iife.min.js' with { type: 'file' }
import cmCss from 'codemirror/lib/codemirror.css' with { type: 'file' }
import cmJs from 'codemirror/lib/codemirror.js' with { type: 'file' }
import cmPowershell from 'codemirror/mode/powershell/powershell.js' with { type: 'file' }
import cmPython from 'codemirror/mode/python/python.js' with { type: 'file' }
import cmShell from 'codemirror/mode/shell/shell.js' with { type: 'file' }
import appCss from '../../static/css/app.css' with { type: 'file' }
import faviconSvg from '../../static/favicon.svg' with { type: 'file' }
import appJs from '../../static/js/app.js' with { type: 'file' }
import ansiJs from '../../static/js/ansi.js' with { type: 'file' }
import devicesJs from '../../static/js/devices.js' with { type: 'file' }
import automationsJs from '../../static/js/automations.js' with { type: 'file' }
import remoteJs from '../../static/js/remote.js' with { type: 'file' }
import remoteFilesJs from '../../static/js/remote-files.js' with { type: 'file' }
import remoteDesktopJs from '../../static/js/remote-desktop.js' with { type: 'file' }
import { sha256Hex } from '../lib/crypto'

const sources = {
  'app.css': appCss,
  'app.js': appJs,
  'ansi.js': ansiJs,
  'devices.js': devicesJs,
  'automations.js': automationsJs,
  'remote.js': remoteJs,
  'remote-files.js': remoteFilesJs,
  'remote-desktop.js': remoteDesktopJs,
  'htmx.js': htmxJs,
  'alpine.js': alpineJs,
  'uplot.js': uplotJs,
  'uplot.css': uplotCss,
  'xterm.js': xtermJs,
  'xterm.css': xtermCss,
  'xterm-fit.js': xtermFitJs,
  'favicon.svg': faviconSvg,
  'codemirror.js': cmJs,
  'codemirror.css': cmCss,
  'cm-shell.js': cmShell,
  'cm-python.js': cmPython,
  'cm-powershell.js': cmPowershell,
} as Record<string, string>

export type AssetName = keyof typeof sources

type Asset = { url: string; body: Uint8Array; gzip: Uint8Array; type: string }

const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' }

/** loadAssets reads every asset once and computes its hashed URL and gzip form. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  for (const [name, file] of Object.entries(sources)) {
    const body = new Uint8Array(await Bun.file(file).arrayBuffer())
    const [base, ext] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)]
    out.set(name, { url: `/static/${base}.${sha256Hex(body).slice(0, 12)}.${ext}`, body, gzip: Bun.gzipSync(body), type: types[ext] })
  }
  urls = Object.fromEntries([...out].map(([name, a]) => [name, a.url]))
  return out
}

let urls: Record<string, string> = {}

/** assetUrls maps asset names to their hashed URLs, for the layout (set once by loadAssets). */
export function assetUrls(): Record<string, string> {
  return urls
}

export function assetsPlugin(assets: Map<string, Asset>) {
  const byUrl = new Map([...assets.values()].map((a) => [a.url, a]))
  return new Elysia({ name: 'breeze.assets' }).get('/static/*', ({ request, path, set }) => {
    const asset = byUrl.get(path)
    if (!asset) { set.status = 404; return 'not found' }
    const gzip = request.headers.get('accept-encoding')?.includes('gzip') ?? false
    return new Response((gzip ? asset.gzip : asset.body) as unknown as BodyInit, {
      headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', vary: 'Accept-Encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    })
  })
}
