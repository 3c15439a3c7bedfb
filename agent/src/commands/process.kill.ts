// `process.kill`: end a process, or a process and its descendants (see ../system-tools/processes).
import { processKillPayload, type ProcessKillPayload } from '../../../src/protocol'
import { killProcess, KillRefused } from '../system-tools/processes'
import type { CommandHandler } from './types'

export const payload = processKillPayload

export const handler: CommandHandler = async (command) => {
  try {
    const result = await killProcess(command.payload as ProcessKillPayload)
    return result.survivors.length ? { ...result, status: 'failed', error: `still running after SIGKILL: ${result.survivors.join(', ')}` } : result
  } catch (err) {
    if (err instanceof KillRefused) return { status: 'failed', error: err.message }
    throw err
  }
}
