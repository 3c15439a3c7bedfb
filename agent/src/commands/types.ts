// What a command handler is. Each command type is one file in this folder exporting a
// handler, listed in ./index.ts.

export type CommandIo = {
  /** Streams output to the server (sent in order, with a sequence number); settles when the server has room for more. */
  output(stream: 'stdout' | 'stderr', data: string): Promise<void>
  /** Aborted when the server cancels the command or the agent stops. */
  signal: AbortSignal
  /** Runs `fn` once the command's result has been handed to the channel (a reboot must not race its own report). */
  afterReport(fn: () => Promise<void> | void): void
}

/** What the rest of the agent offers to handlers. */
export type AgentServices = {
  refreshInventory(full: boolean): Promise<string[]>
  heartbeatNow(): Promise<void>
  /** A service was just controlled: look at the services now (the watch sends them if they changed). */
  servicesChanged(): void
}

export type Command = { id: string; type: string; payload: any }

/**
 * A handler runs one command and returns its result object. If the result has a `status`
 * of 'failed' | 'timeout' | 'cancelled' (and optionally `error`), the command ends that way;
 * otherwise it completed. A thrown error fails the command with its message.
 */
export type CommandHandler = (command: Command, io: CommandIo, agent: AgentServices) => Promise<Record<string, unknown>>
