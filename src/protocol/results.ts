// The result schema of every command type, by type: the server checks a `command.result`'s
// `result` against it before anything is written (a result of an unknown shape is refused
// like any other invalid agent message). A new command type adds its result here
// (closed.test.ts fails for a type the agent handles without one).
import type { TSchema } from '@sinclair/typebox'
import { builtinCommandTypes } from './commands'
import { checkinResult, eventLogQueryResult, powerResult, processKillResult, serviceControlResult, wakeResult } from './device-actions'
import { patchInstallResult, patchScanResult } from './patching'
import { policyCheckResult } from './policy-check'
import { remoteCapabilitiesResult, remoteOpenResult } from './remote'
import { scriptRunResult } from './scripts'

export const commandResultSchemas: Record<string, TSchema> = {
  ...Object.fromEntries(Object.entries(builtinCommandTypes).map(([type, { result }]) => [type, result])),
  'script.run': scriptRunResult,
  'policy.check': policyCheckResult,
  'remote.open': remoteOpenResult,
  'remote.capabilities': remoteCapabilitiesResult,
  'process.kill': processKillResult,
  'service.control': serviceControlResult,
  'power.reboot': powerResult,
  'power.shutdown': powerResult,
  'power.wake': wakeResult,
  'agent.checkin': checkinResult,
  'eventlog.query': eventLogQueryResult,
  'patch.scan': patchScanResult,
  'patch.install': patchInstallResult,
}
