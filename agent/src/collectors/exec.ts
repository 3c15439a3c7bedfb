// Running a system tool for a collector: output as text, never throwing (a missing tool means
// "no data from it"), with a timeout so a hung tool cannot stall the agent.
import { spawn } from 'node:child_process'

export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string | null> {
  return new Promise((resolve) => {
    let out = ''
    let done = false
    const finish = (value: string | null) => { if (!done) { done = true; clearTimeout(timer); resolve(value) } }
    let child
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true })
    } catch {
      return resolve(null)
    }
    const timer = setTimeout(() => { child.kill('SIGKILL'); finish(null) }, timeoutMs)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => { out += d })
    child.on('error', () => finish(null))
    child.on('close', (code) => finish(code === 0 ? out : out || null))
  })
}

/** runStatus runs a command and returns its exit code (null when it could not start) and output. */
export function runStatus(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = ''
    let child
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    } catch {
      return resolve({ code: null, out: '' })
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (d: string) => { out += d })
    child.stderr.on('data', (d: string) => { out += d })
    child.on('error', () => { clearTimeout(timer); resolve({ code: null, out }) })
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }) })
  })
}
