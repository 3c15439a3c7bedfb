// `remote.capabilities`: what remote access this endpoint offers (shells, terminal, desktop
// and why not), asked when a technician opens the device's remote page.
import { remoteCapabilities } from '../remote/capabilities'
import type { CommandHandler } from './types'

export const handler: CommandHandler = async () => remoteCapabilities()
