// Shapes stored in the scripts tables' JSON columns (imported by both schema dialects).

export const scriptLanguages = ['bash', 'sh', 'powershell', 'cmd', 'python'] as const
export type ScriptLanguage = (typeof scriptLanguages)[number]

export const scriptOses = ['linux', 'macos', 'windows'] as const
export type ScriptOs = (typeof scriptOses)[number]

export const parameterTypes = ['string', 'number', 'boolean', 'select', 'secret'] as const

/** A script parameter as declared in the library. */
export type ScriptParameter = {
  name: string
  type: (typeof parameterTypes)[number]
  label?: string
  description?: string
  required: boolean
  default?: string | number | boolean | null
  options?: string[]
}

export const commandShells = ['bash', 'sh', 'powershell', 'cmd'] as const
export type CommandShell = (typeof commandShells)[number]

/** A one-off command as stored on its run (script_batches.command). */
export type OneOffCommand = { shell: CommandShell; command: string; timeoutSeconds: number; runAs: 'system' | 'user' }
