// Answering the Windows Service Control Manager, so the agent can run as a real service
// (registered by windows.ts with sc.exe). StartServiceCtrlDispatcherW blocks its thread for the
// service's whole life, so it runs in a worker; the SCM's callbacks (ServiceMain, the control
// handler) are thread-safe callbacks that run on the main thread.
// NB: Windows-only; it could not be exercised on the Linux machine this was written on.
import { dlopen, FFIType, JSCallback, ptr, type Pointer } from 'bun:ffi'

const SERVICE_WIN32_OWN_PROCESS = 0x10
const state = { stopped: 1, startPending: 2, stopPending: 3, running: 4 } as const
const SERVICE_ACCEPT_STOP = 0x1
const SERVICE_ACCEPT_SHUTDOWN = 0x4
const control = { stop: 1, interrogate: 4, shutdown: 5 } as const
const ERROR_SERVICE_SPECIFIC_ERROR = 1066

// Kept at module level: the SCM holds raw pointers to these for the life of the process.
const keep: unknown[] = []

/** startServiceResponder reports "running" to the SCM and calls onStop when it asks the service to stop. */
export function startServiceResponder(name: string, onStop: () => void): { stopped(exitCode: number): void } {
  const advapi = dlopen('advapi32.dll', {
    RegisterServiceCtrlHandlerExW: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
    SetServiceStatus: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  })
  const nameW = Buffer.from(`${name}\0`, 'utf16le')
  // SERVICE_STATUS: seven DWORDs.
  const status = Buffer.alloc(28)
  let handle: Pointer | null = null
  const report = (current: number, exitCode = 0) => {
    status.writeUInt32LE(SERVICE_WIN32_OWN_PROCESS, 0)
    status.writeUInt32LE(current, 4)
    status.writeUInt32LE(current === state.running ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0, 8)
    status.writeUInt32LE(exitCode === 0 ? 0 : ERROR_SERVICE_SPECIFIC_ERROR, 12)
    status.writeUInt32LE(exitCode, 16)
    status.writeUInt32LE(0, 20)
    status.writeUInt32LE(current === state.stopPending ? 30_000 : 0, 24)
    if (handle) advapi.symbols.SetServiceStatus(handle, ptr(status))
  }
  const handler = new JSCallback((code: number) => {
    if (code === control.stop || code === control.shutdown) {
      report(state.stopPending)
      onStop()
    } else if (code === control.interrogate) {
      report(status.readUInt32LE(4))
    }
    return 0
  }, { args: [FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.ptr], returns: FFIType.u32, threadsafe: true })
  const serviceMain = new JSCallback(() => {
    handle = advapi.symbols.RegisterServiceCtrlHandlerExW(ptr(nameW), handler.ptr!, null) as Pointer | null
    report(state.running)
  }, { args: [FFIType.u32, FFIType.ptr], returns: FFIType.void, threadsafe: true })
  // SERVICE_TABLE_ENTRYW[2]: { name, ServiceMain }, then a terminating null entry.
  const table = Buffer.alloc(32)
  table.writeBigUInt64LE(BigInt(ptr(nameW)), 0)
  table.writeBigUInt64LE(BigInt(serviceMain.ptr!), 8)
  keep.push(advapi, nameW, status, handler, serviceMain, table)
  const worker = new Worker(URL.createObjectURL(new Blob([`
    import { dlopen, FFIType } from 'bun:ffi'
    self.onmessage = (e) => {
      const lib = dlopen('advapi32.dll', { StartServiceCtrlDispatcherW: { args: [FFIType.ptr], returns: FFIType.i32 } })
      postMessage({ ok: lib.symbols.StartServiceCtrlDispatcherW(e.data) !== 0 })
    }
  `], { type: 'application/typescript' })))
  worker.postMessage(ptr(table))
  keep.push(worker)
  return { stopped: (exitCode) => report(state.stopped, exitCode) }
}
