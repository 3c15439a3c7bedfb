CREATE TABLE "script_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"script_id" text NOT NULL,
	"script_version" integer NOT NULL,
	"script_name" text NOT NULL,
	"targets" jsonb NOT NULL,
	"parameters" jsonb NOT NULL,
	"offline" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"device_count" integer NOT NULL,
	"trigger_type" text NOT NULL,
	"triggered_by" text,
	"rerun_of" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "script_executions" (
	"id" text PRIMARY KEY NOT NULL,
	"batch_id" text NOT NULL,
	"script_id" text NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"command_id" text,
	"status" text NOT NULL,
	"exit_code" integer,
	"stdout" text NOT NULL,
	"stderr" text NOT NULL,
	"output_blob_key" text,
	"output_bytes" bigint NOT NULL,
	"truncated" boolean NOT NULL,
	"error_message" text,
	"triggered_by" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "script_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"script_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"language" text NOT NULL,
	"os_types" jsonb NOT NULL,
	"content" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"timeout_seconds" integer NOT NULL,
	"run_as" text NOT NULL,
	"changelog" text NOT NULL,
	"created_by" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scripts" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text,
	"org_id" text,
	"is_system" boolean NOT NULL,
	"template_key" text,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"tags" jsonb NOT NULL,
	"os_types" jsonb NOT NULL,
	"language" text NOT NULL,
	"content" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"timeout_seconds" integer NOT NULL,
	"run_as" text NOT NULL,
	"version" integer NOT NULL,
	"created_by" text,
	"updated_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
ALTER TABLE "script_batches" ADD CONSTRAINT "script_batches_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_executions" ADD CONSTRAINT "script_executions_batch_id_script_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."script_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_executions" ADD CONSTRAINT "script_executions_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_executions" ADD CONSTRAINT "script_executions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "script_versions" ADD CONSTRAINT "script_versions_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scripts" ADD CONSTRAINT "scripts_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scripts" ADD CONSTRAINT "scripts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "script_batches_script" ON "script_batches" USING btree ("script_id","created_at");--> statement-breakpoint
CREATE INDEX "script_executions_batch" ON "script_executions" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "script_executions_device" ON "script_executions" USING btree ("device_id","created_at");--> statement-breakpoint
CREATE INDEX "script_executions_org_created" ON "script_executions" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "script_executions_command" ON "script_executions" USING btree ("command_id");--> statement-breakpoint
CREATE UNIQUE INDEX "script_versions_version" ON "script_versions" USING btree ("script_id","version");--> statement-breakpoint
CREATE INDEX "scripts_org" ON "scripts" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "scripts_partner" ON "scripts" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scripts_template_key" ON "scripts" USING btree ("template_key");