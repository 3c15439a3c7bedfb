// `power.wake`: send wake-on-LAN magic packets for other machines to a subnet this agent is on.
import { wakePayload, type WakePayload } from '../../../src/protocol'
import { sendWake, WakeRefused } from '../system-tools/wake'
import type { CommandHandler } from './types'

export const payload = wakePayload

export const handler: CommandHandler = async (command) => {
  try {
    return await sendWake(command.payload as WakePayload)
  } catch (err) {
    if (err instanceof WakeRefused) return { status: 'failed', error: err.message }
    throw err
  }
}
