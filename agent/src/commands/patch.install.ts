// `patch.install`: install named updates with their package manager, output streamed like a
// script's; each update is reported installed (the version now present) or failed (why).
import { patchInstallPayload, type PatchInstallOutcome, type PatchInstallPayload } from '../../../src/protocol/patching'
import { providers, rebootPending } from '../patching/providers'
import type { CommandHandler } from './types'

export const payload = patchInstallPayload

export const handler: CommandHandler = async (command, io) => {
  const p = command.payload as PatchInstallPayload
  const results: PatchInstallOutcome[] = []
  let exitCode: number | null = 0
  let outputTail = ''
  const sources = [...new Set(p.patches.map((x) => x.source))]
  for (const source of sources) {
    const items = p.patches.filter((x) => x.source === source)
    const provider = providers.find((x) => x.source === source)
    if (!provider?.present() || !provider.install) {
      const why = provider?.present() ? `this agent cannot install ${source} updates yet` : `${source} is not on this machine`
      await io.output('stderr', `${why}\n`)
      results.push(...items.map((i) => ({ ...i, status: 'failed' as const, installedVersion: null, message: why })))
      continue
    }
    const r = await provider.install(items, io)
    results.push(...r.results)
    if (r.exitCode !== 0) exitCode = r.exitCode
    outputTail = (outputTail + r.outputTail).slice(-16_000)
  }
  const failed = results.filter((r) => r.status === 'failed')
  const out = { results, rebootRequired: rebootPending(), exitCode, outputTail }
  return failed.length > 0 ? { ...out, status: 'failed', error: `${failed.length} of ${results.length} updates failed: ${failed[0].externalId}: ${failed[0].message}`.slice(0, 4000) } : out
}
