// `patch.scan`: ask every package manager present which updates it offers (../patching).
import { patchScanPayload, type PatchScanPayload, type PatchScanResult } from '../../../src/protocol/patching'
import { providers, rebootPending } from '../patching/providers'
import type { CommandHandler } from './types'

export const payload = patchScanPayload

export const handler: CommandHandler = async (command) => {
  const p = command.payload as PatchScanPayload
  const result: PatchScanResult = { providers: [], patches: [], rebootRequired: rebootPending(), errors: [] }
  for (const provider of providers) {
    if (!provider.present()) continue
    result.providers.push(provider.source)
    try {
      result.patches.push(...await provider.scan({ refresh: p.refresh ?? true }))
    } catch (err) {
      result.errors.push({ source: provider.source, message: String((err as Error).message ?? err).slice(0, 1000) })
    }
  }
  result.patches = result.patches.slice(0, 2000)
  // Every provider failed: the scan failed (its errors say why), it did not find "no updates".
  if (result.providers.length > 0 && result.errors.length === result.providers.length) return { ...result, status: 'failed', error: result.errors.map((e) => `${e.source}: ${e.message}`).join('; ') }
  return result
}
