// Patch management on the wire (issue 12): `patch.scan` asks the agent which updates its
// package managers offer; `patch.install` installs named ones, streaming the package manager's
// output like script output. Imported by the server (src/patching) and the agent
// (agent/src/patching, agent/src/commands/patch.*.ts).
import { t } from './schema'
import { caps } from './limits'

const lit = <T extends string>(values: readonly T[]) => t.Union(values.map((v) => t.Literal(v)))

/** Where an update comes from: the OS package manager or a third-party catalogue. */
export const patchSources = ['apt', 'dnf', 'windows_update', 'softwareupdate', 'winget', 'homebrew', 'chocolatey'] as const
export type PatchSource = (typeof patchSources)[number]

/** Severity as the vendor says it (unknown when it does not). */
export const patchSeverities = ['critical', 'important', 'moderate', 'low', 'unknown'] as const
export type PatchSeverity = (typeof patchSeverities)[number]

/** What kind of update it is. */
export const patchClassifications = ['security', 'critical', 'bugfix', 'enhancement', 'feature_pack', 'definition', 'driver', 'update', 'application', 'other'] as const
export type PatchClassification = (typeof patchClassifications)[number]

/** Most updates one scan may report (a neglected Debian box lists a few hundred). */
export const maxScanPatches = 2000

export const scannedPatch = t.Object({
  source: lit(patchSources),
  /** The package name (apt, dnf, winget id, brew formula), the KB (Windows) or the label (macOS). */
  externalId: t.String({ minLength: 1, maxLength: caps.name }),
  /** The version this update brings. */
  version: t.String({ minLength: 1, maxLength: caps.short }),
  /** The version installed now (null when the tool does not say). */
  installedVersion: t.Nullable(t.String({ maxLength: caps.short })),
  title: t.String({ maxLength: caps.long }),
  severity: lit(patchSeverities),
  classification: lit(patchClassifications),
  rebootRequired: t.Boolean(),
  sizeBytes: t.Nullable(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  /** When the vendor released it (epoch ms), when known. */
  releasedAt: t.Nullable(t.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })),
  /** Where it comes from: an apt origin/suite, a dnf advisory id, a Windows category. */
  origin: t.Nullable(t.String({ maxLength: caps.name })),
  /** Ids (KB numbers) of updates this one replaces (Windows). */
  supersedes: t.Array(t.String({ maxLength: caps.short }), { maxItems: 64 }),
})
export type ScannedPatch = typeof scannedPatch.static

export const patchScanPayload = t.Object({
  /** Refresh the package lists first (apt-get update, dnf makecache); default true. */
  refresh: t.Optional(t.Boolean()),
})
export type PatchScanPayload = typeof patchScanPayload.static

export const patchScanResult = t.Object({
  /** The providers that answered (a machine may have several: apt and snap, Windows Update and winget). */
  providers: t.Array(lit(patchSources), { maxItems: 8 }),
  patches: t.Array(scannedPatch, { maxItems: maxScanPatches }),
  /** The machine waits for a reboot to finish an earlier update. */
  rebootRequired: t.Boolean(),
  /** Providers that failed (a held lock after its retries, a tool that errored): the scan is partial, never "no updates". */
  errors: t.Array(t.Object({ source: lit(patchSources), message: t.String({ maxLength: caps.long }) }), { maxItems: 8 }),
})
export type PatchScanResult = typeof patchScanResult.static

export const patchInstallItem = t.Object({
  source: lit(patchSources),
  externalId: t.String({ minLength: 1, maxLength: caps.name }),
  version: t.String({ minLength: 1, maxLength: caps.short }),
})
export type PatchInstallItem = typeof patchInstallItem.static

export const patchInstallPayload = t.Object({
  patches: t.Array(patchInstallItem, { minItems: 1, maxItems: maxScanPatches }),
})
export type PatchInstallPayload = typeof patchInstallPayload.static

export const patchInstallOutcome = t.Object({
  source: lit(patchSources),
  externalId: t.String({ maxLength: caps.name }),
  version: t.String({ maxLength: caps.short }),
  status: t.Union([t.Literal('installed'), t.Literal('failed')]),
  /** The version installed after the run (null when not installed). */
  installedVersion: t.Nullable(t.String({ maxLength: caps.short })),
  message: t.String({ maxLength: caps.long }),
})
export type PatchInstallOutcome = typeof patchInstallOutcome.static

export const patchInstallResult = t.Object({
  results: t.Array(patchInstallOutcome, { maxItems: maxScanPatches }),
  rebootRequired: t.Boolean(),
  /** The package manager's exit code (null when it could not run). */
  exitCode: t.Nullable(t.Integer()),
  /** The last part of the output (the whole of it was streamed). */
  outputTail: t.String({ maxLength: 16_384 }),
})
export type PatchInstallResult = typeof patchInstallResult.static
