import { index, sqliteTable as table, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { bool, id, int, json, ms, text } from './columns'
import type { AutomationConditions, AutomationStep, AutomationTrigger, RunDefinition, RunState } from '../../../automations/types'
import { organizations, partners } from './tenancy'
// ---- below this line the sqlite and pg files are identical (schema-parity.test.ts) ----

/** Workflows: a trigger, conditions and ordered steps, per org (or partner-wide when orgId is null). */
export const automations = table('automations', {
  id: id(),
  partnerId: text().notNull().references(() => partners.id),
  /** null: partner-wide, runs in every organization of the partner. */
  orgId: text().references(() => organizations.id),
  name: text().notNull(),
  description: text().notNull(),
  enabled: bool().notNull(),
  trigger: json<AutomationTrigger>().notNull(),
  /** Copied from trigger for event lookups: the event name, or null. */
  triggerEvent: text(),
  conditions: json<AutomationConditions>().notNull(),
  actions: json<AutomationStep[]>().notNull(),
  onFailure: text({ enum: ['stop', 'continue', 'notify'] }).notNull(),
  /** Notification channels told when a run fails (on_failure = notify). */
  notifyChannelIds: json<string[]>().notNull(),
  /** Webhook trigger: the unguessable URL token and the HMAC secret (sealed with the data-dir key). */
  webhookToken: text(),
  webhookSecretSealed: text(),
  version: int().notNull(),
  lastRunAt: ms(),
  runCount: int().notNull(),
  createdBy: text(),
  updatedBy: text(),
  createdAt: ms().notNull(),
  updatedAt: ms().notNull(),
  deletedAt: ms(),
}, (t) => [
  index('automations_org').on(t.orgId),
  index('automations_partner').on(t.partnerId),
  index('automations_event').on(t.triggerEvent),
  uniqueIndex('automations_webhook').on(t.webhookToken),
])

/** One run of an automation: what triggered it, where the engine is, and the device counts. */
export const automationRuns = table('automation_runs', {
  id: id(),
  automationId: text().notNull().references(() => automations.id),
  automationVersion: int().notNull(),
  orgId: text().notNull().references(() => organizations.id),
  triggerType: text({ enum: ['schedule', 'event', 'webhook', 'manual', 'automation', 'test'] }).notNull(),
  /** Identity of the trigger event: a second run for the same key is refused (never twice per event). */
  triggerKey: text().notNull(),
  /** For people: "schedule", "alert:<id>", "manual:<user>"… */
  triggeredBy: text().notNull(),
  userId: text(),
  deviceId: text(),
  triggerData: json<Record<string, unknown>>().notNull(),
  test: bool().notNull(),
  status: text({ enum: ['queued', 'running', 'waiting', 'completed', 'failed', 'partial', 'cancelled', 'skipped'] }).notNull(),
  definition: json<RunDefinition>().notNull(),
  state: json<RunState>().notNull(),
  /** Loop guard: automations that led to this run (run_automation, script.completed of a run's script). */
  chain: json<string[]>().notNull(),
  parentRunId: text(),
  devicesTargeted: int().notNull(),
  devicesSucceeded: int().notNull(),
  devicesFailed: int().notNull(),
  /** A durable wait ends at this time. */
  resumeAt: ms(),
  /** One process advances a run at a time. */
  leaseUntil: ms(),
  error: text(),
  createdAt: ms().notNull(),
  startedAt: ms(),
  completedAt: ms(),
}, (t) => [
  uniqueIndex('automation_runs_trigger').on(t.automationId, t.triggerKey),
  index('automation_runs_automation').on(t.automationId, t.createdAt),
  index('automation_runs_org_status').on(t.orgId, t.status),
  index('automation_runs_parent').on(t.parentRunId),
])

/** The log of a run: one row per executed step, with its outcome and details. */
export const automationRunSteps = table('automation_run_steps', {
  id: id(),
  runId: text().notNull().references(() => automationRuns.id),
  seq: int().notNull(),
  stepId: text().notNull(),
  /** Position in the definition, e.g. `2` or `2.then.0`. */
  path: text().notNull(),
  type: text().notNull(),
  title: text().notNull(),
  status: text({ enum: ['running', 'waiting', 'succeeded', 'failed', 'skipped', 'disabled'] }).notNull(),
  summary: text().notNull(),
  details: json<Record<string, unknown>>().notNull(),
  /** What the step waits on: a script batch id or a child run id. */
  refId: text(),
  error: text(),
  startedAt: ms().notNull(),
  completedAt: ms(),
}, (t) => [uniqueIndex('automation_run_steps_seq').on(t.runId, t.seq), index('automation_run_steps_ref').on(t.refId)])

/** Per-organization run slots: a run holds one while it executes, so at most N run at once per org. */
export const automationSlots = table('automation_slots', {
  runId: text().primaryKey(),
  orgId: text().notNull(),
  slot: int().notNull(),
  takenAt: ms().notNull(),
}, (t) => [uniqueIndex('automation_slots_org_slot').on(t.orgId, t.slot)])

/** Custom fields set on devices by automations (update_device), readable in conditions and messages. */
export const deviceCustomFields = table('device_custom_fields', {
  id: id(),
  deviceId: text().notNull(),
  orgId: text().notNull(),
  name: text().notNull(),
  value: text().notNull(),
  updatedAt: ms().notNull(),
  /** The automation run that set it last. */
  updatedByRun: text(),
}, (t) => [uniqueIndex('device_custom_fields_name').on(t.deviceId, t.name), index('device_custom_fields_org').on(t.orgId)])
