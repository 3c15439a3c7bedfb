// Wiring device actions into a running server: their command types (with the hooks that apply
// results) and their jobs.
import { registerCommandType } from '../agents/commands'
import type { AppContext } from '../context'

// note: command types are program structure, registered when this module is imported (like routes).
registerCommandType('process.kill', {})

/** registerDeviceActionWork declares the domain's jobs and event listeners. */
export async function registerDeviceActionWork(_ctx: AppContext) {}
