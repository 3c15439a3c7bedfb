// Services on Linux (a systemd unit) and macOS (a launchd daemon). The agent runs as root,
// restarts when it exits (75 = after a self-update), except after exit 3 (the server revoked
// it), and logs to the journal / /Library/Logs/Breeze.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { env } from '../../config'
import { run, runStatus } from '../collectors/exec'
import { launchdLabel, serviceName } from './paths'

export function systemdUnit(exe: string, configDir: string): string {
  return `[Unit]
Description=Breeze RMM agent
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart="${exe}" run --service --config-dir "${configDir}"
Restart=always
RestartSec=5
# 3: the server revoked this device; restarting would not help.
RestartPreventExitStatus=3
Nice=5

[Install]
WantedBy=multi-user.target
`
}

export function launchdPlist(exe: string, configDir: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${launchdLabel}</string>
  <key>ProgramArguments</key>
  <array><string>${esc(exe)}</string><string>run</string><string>--service</string><string>--config-dir</string><string>${esc(configDir)}</string></array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>ThrottleInterval</key><integer>10</integer>
  <key>ProcessType</key><string>Background</string>
  <key>StandardErrorPath</key><string>/Library/Logs/Breeze/agent.log</string>
</dict>
</plist>
`
}

async function must(cmd: string, args: string[]) {
  const r = await runStatus(cmd, args)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out.trim() || `exit ${r.code}`}`)
}

export async function installUnixService(exe: string, configDir: string): Promise<string> {
  if (process.platform === 'darwin') {
    const plist = path.join(env.launchdDir, `${launchdLabel}.plist`)
    mkdirSync('/Library/Logs/Breeze', { recursive: true })
    await run('launchctl', ['bootout', `system/${launchdLabel}`])
    writeFileSync(plist, launchdPlist(exe, configDir), { mode: 0o644 })
    await must('launchctl', ['bootstrap', 'system', plist])
    return `launchd daemon ${launchdLabel} (${plist})`
  }
  const unit = path.join(env.systemdDir, `${serviceName}.service`)
  // Checked before anything is written: a machine may have systemctl without systemd running it.
  if (!(await systemdRuns())) throw new Error(`systemd is not running on this machine, so no service was registered. The agent is enrolled: start it with \`${exe} run\` and have your init system (OpenRC, runit, an @reboot cron entry) run that at boot`)
  writeFileSync(unit, systemdUnit(exe, configDir), { mode: 0o644 })
  await must('systemctl', ['daemon-reload'])
  await must('systemctl', ['enable', '--now', serviceName])
  await run('systemctl', ['restart', serviceName])
  return `systemd unit ${serviceName} (${unit})`
}

/** systemdRuns: systemd is the init system (sd_booted's check), or systemctl says it is not offline. */
async function systemdRuns(): Promise<boolean> {
  if (existsSync('/run/systemd/system')) return true
  const r = await runStatus('systemctl', ['is-system-running'])
  if (r.code === null) return false
  return !/offline|not been booted|Failed to connect/i.test(r.out)
}

export async function uninstallUnixService(): Promise<void> {
  if (process.platform === 'darwin') {
    await run('launchctl', ['bootout', `system/${launchdLabel}`])
    rmSync(path.join(env.launchdDir, `${launchdLabel}.plist`), { force: true })
    return
  }
  const unit = path.join(env.systemdDir, `${serviceName}.service`)
  await run('systemctl', ['disable', '--now', serviceName])
  if (existsSync(unit)) rmSync(unit)
  await run('systemctl', ['daemon-reload'])
}

export async function unixServiceState(): Promise<string> {
  if (process.platform === 'darwin') return (await run('launchctl', ['print', `system/${launchdLabel}`])) ? 'loaded' : 'not installed'
  return (await run('systemctl', ['is-active', serviceName]))?.trim() || 'not installed'
}
