CREATE TABLE "automation_run_steps" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"step_id" text NOT NULL,
	"path" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"status" text NOT NULL,
	"summary" text NOT NULL,
	"details" jsonb NOT NULL,
	"ref_id" text,
	"error" text,
	"started_at" bigint NOT NULL,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "automation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_id" text NOT NULL,
	"automation_version" integer NOT NULL,
	"org_id" text NOT NULL,
	"trigger_type" text NOT NULL,
	"trigger_key" text NOT NULL,
	"triggered_by" text NOT NULL,
	"user_id" text,
	"device_id" text,
	"trigger_data" jsonb NOT NULL,
	"test" boolean NOT NULL,
	"status" text NOT NULL,
	"definition" jsonb NOT NULL,
	"state" jsonb NOT NULL,
	"chain" jsonb NOT NULL,
	"parent_run_id" text,
	"devices_targeted" integer NOT NULL,
	"devices_succeeded" integer NOT NULL,
	"devices_failed" integer NOT NULL,
	"resume_at" bigint,
	"lease_until" bigint,
	"error" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "automation_slots" (
	"run_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"slot" integer NOT NULL,
	"taken_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "automations" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"org_id" text,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"enabled" boolean NOT NULL,
	"trigger" jsonb NOT NULL,
	"trigger_event" text,
	"conditions" jsonb NOT NULL,
	"actions" jsonb NOT NULL,
	"on_failure" text NOT NULL,
	"notify_channel_ids" jsonb NOT NULL,
	"webhook_token" text,
	"webhook_secret_sealed" text,
	"version" integer NOT NULL,
	"last_run_at" bigint,
	"run_count" integer NOT NULL,
	"created_by" text,
	"updated_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
CREATE TABLE "device_custom_fields" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"updated_at" bigint NOT NULL,
	"updated_by_run" text
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"priority" integer NOT NULL,
	"enforcement" text NOT NULL,
	"settings" jsonb NOT NULL,
	"check_interval_minutes" integer NOT NULL,
	"remediation_script_id" text,
	"max_remediation_attempts" integer NOT NULL,
	"alert_severity" text NOT NULL,
	"alert_channel_ids" jsonb NOT NULL,
	"template_key" text,
	"version" integer NOT NULL,
	"next_check_at" bigint,
	"last_evaluated_at" bigint,
	"created_by" text,
	"updated_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
CREATE TABLE "policy_assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"org_id" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"priority" integer,
	"created_by" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_compliance" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"status" text NOT NULL,
	"details" jsonb NOT NULL,
	"checked_at" bigint NOT NULL,
	"changed_at" bigint NOT NULL,
	"remediation_attempts" integer NOT NULL,
	"last_remediation_at" bigint,
	"remediation_batch_id" text,
	"check_command_id" text,
	"check_batch_id" text,
	"alert_id" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_compliance_daily" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"org_id" text NOT NULL,
	"day" bigint NOT NULL,
	"compliant" integer NOT NULL,
	"non_compliant" integer NOT NULL,
	"pending" integer NOT NULL,
	"error" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_compliance_history" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"at" bigint NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"previous_status" text,
	"summary" text NOT NULL,
	"details" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"priority" integer NOT NULL,
	"enforcement" text NOT NULL,
	"settings" jsonb NOT NULL,
	"check_interval_minutes" integer NOT NULL,
	"remediation_script_id" text,
	"max_remediation_attempts" integer NOT NULL,
	"alert_severity" text NOT NULL,
	"alert_channel_ids" jsonb NOT NULL,
	"changelog" text NOT NULL,
	"created_by" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "automation_run_steps" ADD CONSTRAINT "automation_run_steps_run_id_automation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."automation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_runs" ADD CONSTRAINT "automation_runs_automation_id_automations_id_fk" FOREIGN KEY ("automation_id") REFERENCES "public"."automations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automation_runs" ADD CONSTRAINT "automation_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automations" ADD CONSTRAINT "automations_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "automations" ADD CONSTRAINT "automations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_assignments" ADD CONSTRAINT "policy_assignments_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_assignments" ADD CONSTRAINT "policy_assignments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_compliance" ADD CONSTRAINT "policy_compliance_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "automation_run_steps_seq" ON "automation_run_steps" USING btree ("run_id","seq");--> statement-breakpoint
CREATE INDEX "automation_run_steps_ref" ON "automation_run_steps" USING btree ("ref_id");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_runs_trigger" ON "automation_runs" USING btree ("automation_id","trigger_key");--> statement-breakpoint
CREATE INDEX "automation_runs_automation" ON "automation_runs" USING btree ("automation_id","created_at");--> statement-breakpoint
CREATE INDEX "automation_runs_org_status" ON "automation_runs" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "automation_runs_parent" ON "automation_runs" USING btree ("parent_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "automation_slots_org_slot" ON "automation_slots" USING btree ("org_id","slot");--> statement-breakpoint
CREATE INDEX "automations_org" ON "automations" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "automations_partner" ON "automations" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "automations_event" ON "automations" USING btree ("trigger_event");--> statement-breakpoint
CREATE UNIQUE INDEX "automations_webhook" ON "automations" USING btree ("webhook_token");--> statement-breakpoint
CREATE UNIQUE INDEX "device_custom_fields_name" ON "device_custom_fields" USING btree ("device_id","name");--> statement-breakpoint
CREATE INDEX "device_custom_fields_org" ON "device_custom_fields" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "policies_org" ON "policies" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "policies_due" ON "policies" USING btree ("status","next_check_at");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_assignments_target" ON "policy_assignments" USING btree ("policy_id","target_type","target_id");--> statement-breakpoint
CREATE INDEX "policy_assignments_org" ON "policy_assignments" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_compliance_device" ON "policy_compliance" USING btree ("policy_id","device_id");--> statement-breakpoint
CREATE INDEX "policy_compliance_org" ON "policy_compliance" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "policy_compliance_device_id" ON "policy_compliance" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "policy_compliance_command" ON "policy_compliance" USING btree ("check_command_id");--> statement-breakpoint
CREATE INDEX "policy_compliance_batch" ON "policy_compliance" USING btree ("check_batch_id");--> statement-breakpoint
CREATE INDEX "policy_compliance_remediation" ON "policy_compliance" USING btree ("remediation_batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_daily_day" ON "policy_compliance_daily" USING btree ("policy_id","day");--> statement-breakpoint
CREATE INDEX "policy_daily_org" ON "policy_compliance_daily" USING btree ("org_id","day");--> statement-breakpoint
CREATE INDEX "policy_history_device" ON "policy_compliance_history" USING btree ("policy_id","device_id","at");--> statement-breakpoint
CREATE INDEX "policy_history_org" ON "policy_compliance_history" USING btree ("org_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_versions_version" ON "policy_versions" USING btree ("policy_id","version");