CREATE TABLE "report_definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"org_id" text,
	"site_id" text,
	"group_id" text,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"format" text NOT NULL,
	"period" text NOT NULL,
	"columns" jsonb,
	"created_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
CREATE TABLE "report_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"report_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"org_id" text,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"format" text NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"schedule_id" text,
	"requested_by" text NOT NULL,
	"api_key_id" text,
	"covered_org_ids" jsonb,
	"period_from" bigint NOT NULL,
	"period_to" bigint NOT NULL,
	"row_count" integer,
	"figures" jsonb,
	"blob_key" text,
	"file_name" text,
	"bytes" bigint,
	"error" text,
	"emailed_to" jsonb,
	"email_error" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "report_schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"report_id" text NOT NULL,
	"partner_id" text NOT NULL,
	"org_id" text,
	"cron" text NOT NULL,
	"timezone" text NOT NULL,
	"recipients" jsonb NOT NULL,
	"enabled" boolean NOT NULL,
	"owner_id" text NOT NULL,
	"version" integer NOT NULL,
	"last_run_at" bigint,
	"last_run_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
ALTER TABLE "report_definitions" ADD CONSTRAINT "report_definitions_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_definitions" ADD CONSTRAINT "report_definitions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "report_definitions_partner" ON "report_definitions" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "report_definitions_org" ON "report_definitions" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "report_runs_report" ON "report_runs" USING btree ("report_id","created_at");--> statement-breakpoint
CREATE INDEX "report_runs_created" ON "report_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "report_schedules_report" ON "report_schedules" USING btree ("report_id");