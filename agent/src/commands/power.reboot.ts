// `power.reboot`: warn the logged-in users, maybe let them defer, wait, then reboot (../system-tools/power).
import { powerPayload, type PowerPayload } from '../../../src/protocol'
import { preparePower } from '../system-tools/power'
import type { CommandHandler } from './types'

export const payload = powerPayload

export const handler: CommandHandler = async (command, io) => {
  const prepared = await preparePower('reboot', command.payload as PowerPayload, io.signal)
  if ('failed' in prepared) return { status: 'failed', error: prepared.failed }
  if (prepared.runAfter) io.afterReport(prepared.runAfter)
  return prepared.result
}
