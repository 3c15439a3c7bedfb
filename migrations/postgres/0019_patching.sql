CREATE TABLE "device_patch_status" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"scan_status" text NOT NULL,
	"scan_error" text,
	"scan_command_id" text,
	"last_scan_at" bigint,
	"providers" jsonb NOT NULL,
	"reboot_required" boolean NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_patches" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"site_id" text NOT NULL,
	"patch_id" text NOT NULL,
	"state" text NOT NULL,
	"installed_version" text,
	"first_seen_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"installed_at" bigint,
	"last_job_id" text,
	"last_error" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patch_approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"patch_id" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"decided_by" text,
	"decided_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patch_job_devices" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"device_id" text NOT NULL,
	"org_id" text NOT NULL,
	"status" text NOT NULL,
	"command_id" text,
	"patch_ids" jsonb NOT NULL,
	"output" text NOT NULL,
	"error" text,
	"reboot_required" boolean NOT NULL,
	"started_at" bigint,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "patch_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"status" text NOT NULL,
	"patch_ids" jsonb,
	"device_count" integer NOT NULL,
	"created_by" text,
	"created_at" bigint NOT NULL,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "patches" (
	"id" text PRIMARY KEY NOT NULL,
	"os" text NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"version" text NOT NULL,
	"title" text NOT NULL,
	"severity" text NOT NULL,
	"classification" text NOT NULL,
	"reboot_required" boolean NOT NULL,
	"size_bytes" integer,
	"released_at" bigint,
	"origin" text,
	"supersedes" jsonb NOT NULL,
	"first_seen_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "device_patches" ADD CONSTRAINT "device_patches_patch_id_patches_id_fk" FOREIGN KEY ("patch_id") REFERENCES "public"."patches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patch_approvals" ADD CONSTRAINT "patch_approvals_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patch_approvals" ADD CONSTRAINT "patch_approvals_patch_id_patches_id_fk" FOREIGN KEY ("patch_id") REFERENCES "public"."patches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patch_job_devices" ADD CONSTRAINT "patch_job_devices_job_id_patch_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."patch_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patch_jobs" ADD CONSTRAINT "patch_jobs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "device_patch_status_device" ON "device_patch_status" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "device_patch_status_command" ON "device_patch_status" USING btree ("scan_command_id");--> statement-breakpoint
CREATE UNIQUE INDEX "device_patches_device_patch" ON "device_patches" USING btree ("device_id","patch_id");--> statement-breakpoint
CREATE INDEX "device_patches_org_state" ON "device_patches" USING btree ("org_id","state");--> statement-breakpoint
CREATE INDEX "device_patches_patch" ON "device_patches" USING btree ("patch_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "patch_approvals_org_patch" ON "patch_approvals" USING btree ("org_id","patch_id");--> statement-breakpoint
CREATE INDEX "patch_job_devices_job" ON "patch_job_devices" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "patch_job_devices_command" ON "patch_job_devices" USING btree ("command_id");--> statement-breakpoint
CREATE INDEX "patch_job_devices_device" ON "patch_job_devices" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "patch_jobs_org" ON "patch_jobs" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "patches_identity" ON "patches" USING btree ("os","source","external_id","version");--> statement-breakpoint
CREATE INDEX "patches_external" ON "patches" USING btree ("source","external_id");