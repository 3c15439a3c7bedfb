// Finding the endpoint's screen for the remote desktop (Linux/X11): which display, the
// credentials to open it, its monitors, and whether the capture and input tools are
// installed. The tools come from the distribution's packages:
//   ffmpeg (x11grab capture, JPEG encoding)   apt install ffmpeg      dnf install ffmpeg
//   xdotool (mouse and keyboard input)        apt install xdotool     dnf install xdotool
//   xdpyinfo (screen size, optional: ffmpeg can tell)  apt install x11-utils   dnf install xdpyinfo
//   xrandr (monitor list, optional)           apt install x11-xserver-utils
//   notify-send (tells the user, optional)    apt install libnotify-bin
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { inheritedEnvironment } from '../../config'
import { run } from '../collectors/exec'

export type Monitor = { index: number; name: string; width: number; height: number; x: number; y: number }
export type Display = { display: string; xauthority: string | null; env: Record<string, string>; monitors: Monitor[] }
export type DisplayProbe = { ok: true; display: Display; tools: string[] } | { ok: false; reason: string; display: string | null; tools: string[] }

const tools = ['ffmpeg', 'xdotool', 'xdpyinfo', 'xrandr', 'notify-send'] as const

function presentTools(): string[] {
  return tools.filter((t) => Bun.which(t))
}

/** The X server's -auth file, from its command line (how display managers start it). */
function xserverAuthFile(display: string): string | null {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      let cmd: string[]
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') } catch { continue }
      if (!/(^|\/)(Xorg|X|Xvfb|Xwayland)$/.test(cmd[0] ?? '')) continue
      if (cmd.includes(display) || display === ':0') {
        const i = cmd.indexOf('-auth')
        if (i >= 0 && cmd[i + 1] && existsSync(cmd[i + 1])) return cmd[i + 1]
      }
    }
  } catch {}
  return null
}

/** findDisplay: $DISPLAY, else the first local X socket (/tmp/.X11-unix/X<n>). */
function findDisplay(): string | null {
  const env = inheritedEnvironment()
  if (env.DISPLAY) return env.DISPLAY
  try {
    const sockets = readdirSync('/tmp/.X11-unix').filter((n) => /^X\d+$/.test(n)).sort()
    if (sockets.length) return `:${sockets[0].slice(1)}`
  } catch {}
  return null
}

async function monitorsOf(env: Record<string, string>): Promise<Monitor[]> {
  if (Bun.which('xrandr')) {
    const out = await runWith(['xrandr', '--listmonitors'], env)
    const list: Monitor[] = []
    for (const line of (out ?? '').split('\n')) {
      // " 0: +*eDP-1 1920/344x1080/194+0+0  eDP-1"
      const m = /^\s*(\d+):\s+\S+\s+(\d+)\/\d+x(\d+)\/\d+\+(\d+)\+(\d+)\s+(\S+)/.exec(line)
      if (m) list.push({ index: Number(m[1]), width: Number(m[2]), height: Number(m[3]), x: Number(m[4]), y: Number(m[5]), name: m[6] })
    }
    if (list.length) return list
  }
  const info = Bun.which('xdpyinfo') ? await runWith(['xdpyinfo'], env) : null
  const m = /dimensions:\s+(\d+)x(\d+) pixels/.exec(info ?? '') ?? /Video: rawvideo[^\n]*?, (\d+)x(\d+)/.exec(await ffmpegProbe(env))
  return m ? [{ index: 0, name: 'screen', width: Number(m[1]), height: Number(m[2]), x: 0, y: 0 }] : []
}

/** ffmpegProbe opens the display with ffmpeg (what it reports on stderr names the screen size). */
async function ffmpegProbe(env: Record<string, string>): Promise<string> {
  try {
    const p = Bun.spawn(['ffmpeg', '-nostdin', '-hide_banner', '-f', 'x11grab', '-i', env.DISPLAY, '-frames:v', '1', '-f', 'null', '-'], { env: { ...inheritedEnvironment(), ...env }, stdout: 'ignore', stderr: 'pipe' })
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000)
    const err = await new Response(p.stderr).text()
    clearTimeout(timer)
    return err
  } catch {
    return ''
  }
}

/** runWith runs an X tool with the display's environment; null when it fails. */
export async function runWith(cmd: string[], env: Record<string, string>, timeoutMs = 5_000): Promise<string | null> {
  try {
    const p = Bun.spawn(cmd, { env: { ...inheritedEnvironment(), ...env }, stdout: 'pipe', stderr: 'ignore' })
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    const out = await new Response(p.stdout).text()
    clearTimeout(timer)
    return (await p.exited) === 0 ? out : null
  } catch {
    return null
  }
}

/** probeDisplay says whether a remote desktop can run here, and if not, why (in words an admin can act on). */
export async function probeDisplay(): Promise<DisplayProbe> {
  const found = presentTools()
  if (process.platform !== 'linux') {
    return { ok: false, reason: `the remote desktop is available on Linux with X11; this agent runs on ${process.platform}`, display: null, tools: found }
  }
  const missing = ['ffmpeg', 'xdotool'].filter((t) => !found.includes(t))
  const display = findDisplay()
  if (!display) {
    const wayland = inheritedEnvironment().WAYLAND_DISPLAY || existsSync('/run/user') && readdirSync('/run/user').some((u) => { try { return readdirSync(`/run/user/${u}`).some((f) => f.startsWith('wayland-')) } catch { return false } })
    return { ok: false, reason: wayland ? 'only a Wayland session is running; the remote desktop needs an X11 session (choose "Xorg" at the login screen)' : 'no graphical display is running on this device (no X server found)', display: null, tools: found }
  }
  if (missing.length) return { ok: false, reason: `install ${missing.join(' and ')} on the device (Debian/Ubuntu: apt install ${missing.join(' ')})`, display, tools: found }
  const env: Record<string, string> = { DISPLAY: display }
  const xauthority = inheritedEnvironment().XAUTHORITY ?? xserverAuthFile(display)
  if (xauthority) env.XAUTHORITY = xauthority
  const monitors = await monitorsOf(env)
  if (!monitors.length) return { ok: false, reason: `the X display ${display} exists but the agent may not open it (no access: its Xauthority was not found)`, display, tools: found }
  return { ok: true, display: { display, xauthority, env, monitors }, tools: found }
}
