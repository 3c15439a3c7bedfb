// Channel secrets are sealed together as one JSON document with ctx.secrets (AES-256-GCM under
// the data directory's key) and only ever opened to send.
import type { AppContext } from '../context'
import type { Channel } from './channels-repo'
import type { ChannelSecrets } from './types'

export function sealSecrets(ctx: Pick<AppContext, 'secrets'>, secrets: ChannelSecrets): string | null {
  const clean = Object.fromEntries(Object.entries(secrets).filter(([, v]) => typeof v === 'string' && v !== ''))
  return Object.keys(clean).length ? ctx.secrets.seal(JSON.stringify(clean)) : null
}

export function openSecrets(ctx: Pick<AppContext, 'secrets'>, channel: Pick<Channel, 'secretsSealed'>): ChannelSecrets {
  return channel.secretsSealed ? (JSON.parse(ctx.secrets.open(channel.secretsSealed)) as ChannelSecrets) : {}
}

/** secretNames: which secrets are set (what the editor may show: never the values). */
export function secretNames(ctx: Pick<AppContext, 'secrets'>, channel: Pick<Channel, 'secretsSealed'>): (keyof ChannelSecrets)[] {
  return Object.keys(openSecrets(ctx, channel)) as (keyof ChannelSecrets)[]
}
