import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { runScript, type ScriptRunRequest } from './run-script'

function collect(signal = new AbortController().signal) {
  const out = { stdout: '', stderr: '', chunks: 0 }
  return { out, io: { signal, output: (stream: 'stdout' | 'stderr', data: string) => { out[stream] += data; out.chunks++ } } }
}

const base: Omit<ScriptRunRequest, 'language' | 'content'> = { parameters: {}, timeoutSeconds: 30, runAs: 'system', maxOutputBytes: 1 << 20 }

/** alive: the process exists and is not a zombie waiting for init to reap it. */
function alive(pid: number) {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return false }
}

describe('running a script on the endpoint', () => {
  test('bash gets parameters as environment variables; hostile values stay inert text', async () => {
    const { out, io } = collect()
    const hostile = '"; touch /tmp/breeze-pwned-$$; echo "'
    const result = await runScript({ ...base, language: 'bash', content: 'echo "name=$NAME count=$COUNT"\necho "v=$VALUE"\necho oops >&2\nexit 3', parameters: { NAME: 'web', COUNT: 2, VALUE: hostile } }, io)
    expect(result).toMatchObject({ status: 'failed', exitCode: 3 })
    expect(out.stdout).toBe(`name=web count=2\nv=${hostile}\n`)
    expect(out.stderr).toBe('oops\n')
    expect([...new Bun.Glob('breeze-pwned-*').scanSync('/tmp')]).toEqual([])
  })

  test('python runs with its parameters and exit code 0 is completed', async () => {
    const { out, io } = collect()
    const result = await runScript({ ...base, language: 'python', content: 'import os\nprint("héllo", os.environ["WHO"])', parameters: { WHO: 'wörld' } }, io)
    expect(result).toMatchObject({ status: 'completed', exitCode: 0 })
    expect(out.stdout).toBe('héllo wörld\n')
  })

  test('a missing interpreter is a clear error, not a crash', async () => {
    const { io } = collect()
    const result = await runScript({ ...base, language: 'cmd', content: 'echo hi' }, io)
    expect(result.status).toBe('failed')
    expect(result.error).toContain('cmd is not available on this device')
  })

  test('timeout kills the whole process tree', async () => {
    const { out, io } = collect()
    const result = await runScript({ ...base, timeoutSeconds: 1, language: 'bash', content: '(sleep 300; echo late) &\necho "child=$!"\nsleep 300' }, io)
    expect(result.status).toBe('timeout')
    const child = Number(out.stdout.match(/child=(\d+)/)![1])
    for (let i = 0; i < 20 && alive(child); i++) await Bun.sleep(50)
    expect(alive(child)).toBe(false)
  })

  test('cancel stops a running script', async () => {
    const ac = new AbortController()
    const { io } = collect(ac.signal)
    setTimeout(() => ac.abort(), 300)
    const result = await runScript({ ...base, language: 'sh', content: 'sleep 300' }, io)
    expect(result.status).toBe('cancelled')
    expect(result.durationMs).toBeLessThan(5000)
  })

  test('output beyond the cap is counted but not sent, and the script still finishes', async () => {
    const { out, io } = collect()
    const result = await runScript({ ...base, maxOutputBytes: 100_000, language: 'bash', content: 'head -c 3000000 /dev/zero | tr "\\0" x; echo; echo done >&2' }, io)
    expect(result).toMatchObject({ status: 'completed', truncated: true })
    expect(result.outputBytes).toBe(3_000_001 + 5)
    expect(out.stdout.length + out.stderr.length).toBeLessThanOrEqual(100_000)
  })

  test('the temp file is private and removed afterwards', async () => {
    const { out, io } = collect()
    await runScript({ ...base, language: 'bash', content: 'stat -c "%a" "$0"; stat -c "%a" "$(dirname "$0")"; echo "$0"' }, io)
    const [fileMode, dirMode, path] = out.stdout.trim().split('\n')
    expect(fileMode).toBe('600')
    expect(dirMode).toBe('700')
    expect(existsSync(path)).toBe(false)
  })
})
