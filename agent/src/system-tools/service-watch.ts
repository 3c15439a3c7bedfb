// The service watch: every `serviceWatchSeconds` (default 30) the agent looks at its services
// and, when any changed, sends the services section at once instead of waiting for the
// 6-hourly inventory — so a "service X stopped" alert fires within a minute. It compares with
// the hash of the services section the server last accepted (the inventory's own, kept in
// state.json), so neither a restart nor the regular inventory sends the same list twice.
// Cheap where listing is cheap (systemctl, launchctl, the init scripts' status); on Windows a
// quick `sc query` decides whether the full (PowerShell) list is worth collecting.
import { createHash } from 'node:crypto'
import type { ServiceEntry } from '../../../src/protocol'
import { run } from '../collectors/exec'
import { collectServices } from '../collectors/services'
import { sectionHash } from '../inventory'
import { log } from '../log'
import { settings } from '../settings'
import { initSystem, parseScQuery } from './services'

export const defaultWatchSeconds = 30

export type ServiceWatchHooks = {
  /** The hash of the services section the server last accepted. */
  acceptedHash(): string | undefined
  /** Send the services section (and remember its hash once accepted). */
  send(services: ServiceEntry[], hash: string): Promise<void>
}

export class ServiceWatch {
  private timer: Timer | null = null
  private lastQuick: string | null = null
  private busy = false

  constructor(private hooks: ServiceWatchHooks) {}

  start() {
    this.stop()
    this.schedule()
  }

  stop() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule() {
    const seconds = settings().serviceWatchSeconds ?? defaultWatchSeconds
    this.timer = setTimeout(async () => {
      if (seconds > 0) await this.tick()
      if (this.timer) this.schedule()
    }, (seconds || 60) * 1000)
  }

  /** tick looks once (never two looks at a time) and sends when something changed. */
  async tick(): Promise<boolean> {
    if (this.busy) return false
    this.busy = true
    try {
      return await this.check()
    } catch (err) {
      log.warn('service watch failed', { err })
      return false
    } finally {
      this.busy = false
    }
  }

  private async check(): Promise<boolean> {
    if (initSystem() === 'windows') {
      const quick = [...parseScQuery((await run('sc.exe', ['query', 'type=', 'service', 'state=', 'all'], 60_000)) ?? '')].sort()
      const digest = createHash('sha256').update(JSON.stringify(quick)).digest('hex')
      if (digest === this.lastQuick && this.hooks.acceptedHash()) return false
      this.lastQuick = digest
    }
    const entries = await collectServices()
    const hash = sectionHash('services', entries)
    if (hash === this.hooks.acceptedHash()) return false
    await this.hooks.send(entries, hash)
    log.info('services changed; sent them', { count: entries.length })
    return true
  }
}
