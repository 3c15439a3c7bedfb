#!/usr/bin/env bun
// `breeze-agent <command>`: enroll, run, install, uninstall, status, version.
import os from 'node:os'
import { parseArgs } from 'node:util'
import { loadIdentity, resolveConfigDir } from './config'
import { ApiError } from './src/api'
import { enroll, loadPending, type EnrollOutcome } from './src/enroll'
import { runAgent } from './src/run'
import { useConfigDir } from './src/settings'
import { installService, requireAdmin, serviceState, uninstallService } from './src/service'
import { windowsServiceName } from './src/service/paths'
import { agentVersion } from './src/version'

const usage = `Breeze agent ${agentVersion}

Usage: breeze-agent <command> [options]

Commands:
  enroll --server URL --key KEY   enroll this machine with a Breeze server. If the machine is
                                  already a device there, the enrollment may need a technician's
                                  approval: enroll then waits (--wait SECONDS, default until the
                                  request expires; --no-wait returns at once) and \`run\` or the
                                  service keeps waiting and starts once it is approved
  run [--service]                 run (in the foreground; --service: started by a service manager)
  install [--server URL --key KEY] enroll (when given a key) and register the system service
  uninstall [--purge]             remove the system service (--purge: also the configuration)
  status                          show enrollment and service state
  version                         print the version

Options:
  --config-dir DIR   where the agent keeps its identity and state
                     (env BREEZE_AGENT_CONFIG_DIR; default /etc/breeze, %ProgramData%\\Breeze on Windows)`

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      server: { type: 'string' }, key: { type: 'string' }, 'config-dir': { type: 'string' }, purge: { type: 'boolean' }, service: { type: 'boolean' },
      wait: { type: 'string' }, 'no-wait': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  })
  const command = positionals[0] ?? 'help'
  const configDir = resolveConfigDir(values['config-dir'])
  useConfigDir(configDir)
  if (values.help || command === 'help') return console.log(usage), 0
  switch (command) {
    case 'version':
      console.log(agentVersion)
      return 0
    case 'collect-inventory': {
      // Internal: run by the agent itself as a child process (see src/inventory.ts).
      const { collectInventory } = await import('./src/inventory')
      try { os.setPriority(10) } catch {}
      // note: awaited, so the whole report is written before the process exits.
      await Bun.write(Bun.stdout, JSON.stringify(await collectInventory()))
      return 0
    }
    case 'enroll': {
      if (!values.server || !values.key) return console.error('enroll needs --server URL and --key KEY'), 64
      const waitSeconds = values['no-wait'] ? 0 : values.wait === undefined ? Infinity : Number(values.wait)
      if (!(waitSeconds >= 0)) return console.error('--wait takes a number of seconds'), 64
      const ac = new AbortController()
      process.once('SIGINT', () => ac.abort())
      const res = await enroll(values.server, values.key, configDir, { waitUntil: waitSeconds === 0 ? 0 : Date.now() + Math.min(waitSeconds, 7 * 86_400) * 1000, say: (l) => console.log(l), signal: ac.signal })
      return reportEnrollment(res, configDir)
    }
    case 'run': {
      // Under the Windows service manager the process must answer it (see service/windows-scm.ts).
      const scm = values.service && process.platform === 'win32'
        ? (await import('./src/service/windows-scm')).startServiceResponder(windowsServiceName, () => process.emit('SIGTERM'))
        : null
      const code = await runAgent(configDir, { service: !!values.service })
      scm?.stopped(code)
      return code
    }
    case 'install': {
      await requireAdmin()
      if (values.server && values.key) {
        // The service waits for a pending approval itself, so the installer does not.
        const res = await enroll(values.server, values.key, configDir, { say: (l) => console.log(l) })
        if (res.state === 'enrolled') reportEnrollment(res, configDir)
        else console.log('The service will start managing this machine once a technician approves the enrollment.')
      }
      console.log(`Installed and started the ${await installService(configDir)}.`)
      return 0
    }
    case 'uninstall':
      await uninstallService(configDir, !!values.purge)
      console.log(values.purge ? 'Removed the service, the configuration and the executable.' : 'Removed the service (the configuration stays; --purge removes it).')
      return 0
    case 'status': {
      const id = loadIdentity(configDir)
      const service = await serviceState().catch(() => 'unknown')
      const pending = loadPending(configDir)
      if (!id && pending) {
        return console.log(`waiting for approval (request ${pending.requestId}, asked ${new Date(pending.requestedAt).toISOString()}, expires ${new Date(pending.expiresAt).toISOString()})\nserver:    ${pending.serverUrl}\nservice:   ${service}`), 1
      }
      if (!id) return console.log(`not enrolled (no identity in ${configDir})\nservice:   ${service}`), 1
      console.log(`server:    ${id.serverUrl}\ndevice:    ${id.deviceId}\nagent:     ${id.agentId}\nenrolled:  ${new Date(id.enrolledAt).toISOString()}\nversion:   ${agentVersion}\nconfig:    ${configDir}\nservice:   ${service}`)
      return 0
    }
    default:
      console.error(`unknown command "${command}"\n\n${usage}`)
      return 64
  }
}

/** reportEnrollment prints how an enrollment ended; 75 (try again later) while it still waits for approval. */
function reportEnrollment(res: EnrollOutcome, configDir: string): number {
  if (res.state === 'pending') {
    console.log(`Still waiting for approval (request ${res.pending.requestId}, expires ${new Date(res.pending.expiresAt).toISOString()}). ` +
      '`breeze-agent run` (or the agent service) keeps waiting and starts once it is approved; `breeze-agent status` shows the request.')
    return 75
  }
  const what = res.clone ? 'Enrolled as a separate device (a clone of a device with the same hardware id):' : res.reattached ? 'Re-attached to device' : 'Enrolled as device'
  console.log(`${what} ${res.identity.deviceId} (agent ${res.identity.agentId}). Configuration: ${configDir}`)
  return 0
}

// note: no top-level await, so the executable can be compiled with --bytecode (CommonJS).
main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err instanceof ApiError ? `the server refused: ${err.message} (${err.code})` : `error: ${(err as Error).message}`)
  process.exit(1)
})
