// What the agent remembers between runs (state.json in the config directory, owner-only):
// the command ids it has seen (replay protection, kept until they expire), hashes of the
// inventory sections the server accepted (so only changed sections are sent), and versions
// it rolled back from.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { InventorySection } from '../../src/protocol'
import { writePrivate } from '../config'

export type AgentState = {
  seenCommands: Record<string, number>
  inventoryHashes: Partial<Record<InventorySection, string>>
  lastInventoryAt: number
  lastFullInventoryAt: number
  failedUpdates: string[]
}

const empty = (): AgentState => ({ seenCommands: {}, inventoryHashes: {}, lastInventoryAt: 0, lastFullInventoryAt: 0, failedUpdates: [] })

export class StateStore {
  readonly file: string
  state: AgentState

  constructor(dir: string) {
    this.file = path.join(dir, 'state.json')
    this.state = empty()
    try { if (existsSync(this.file)) this.state = { ...empty(), ...JSON.parse(readFileSync(this.file, 'utf8')) } } catch {}
  }

  save() {
    writePrivate(this.file, JSON.stringify(this.state))
  }

  /** rememberCommand records a command id; false when it was seen before (a replay). */
  rememberCommand(id: string, expiresAt: number, now: number): boolean {
    for (const [k, exp] of Object.entries(this.state.seenCommands)) if (exp < now) delete this.state.seenCommands[k]
    if (id in this.state.seenCommands) return false
    this.state.seenCommands[id] = expiresAt
    this.save()
    return true
  }
}
