CREATE TABLE "file_transfers" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text,
	"org_id" text NOT NULL,
	"device_id" text NOT NULL,
	"user_id" text NOT NULL,
	"direction" text NOT NULL,
	"remote_path" text NOT NULL,
	"local_filename" text NOT NULL,
	"size_bytes" bigint,
	"transferred_bytes" bigint NOT NULL,
	"sha256" text,
	"status" text NOT NULL,
	"progress_percent" integer NOT NULL,
	"error_message" text,
	"via" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "remote_recordings" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text NOT NULL,
	"user_id" text NOT NULL,
	"blob_key" text NOT NULL,
	"bytes" bigint NOT NULL,
	"duration_ms" bigint NOT NULL,
	"cols" integer NOT NULL,
	"rows" integer NOT NULL,
	"started_at" bigint NOT NULL,
	"ended_at" bigint,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remote_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"site_id" text NOT NULL,
	"device_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"transport" text,
	"shell" text,
	"command_id" text,
	"end_reason" text,
	"ended_by" text,
	"error_message" text,
	"webrtc_offer" text,
	"webrtc_answer" text,
	"ice_candidates" jsonb NOT NULL,
	"bytes_in" bigint NOT NULL,
	"bytes_out" bigint NOT NULL,
	"recording" boolean NOT NULL,
	"started_at" bigint,
	"ended_at" bigint,
	"duration_seconds" integer,
	"last_activity_at" bigint,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "remote_settings" (
	"org_id" text PRIMARY KEY NOT NULL,
	"require_mfa" boolean NOT NULL,
	"record_terminal" boolean NOT NULL,
	"recording_retention_days" integer NOT NULL,
	"idle_timeout_minutes" integer NOT NULL,
	"file_roots" jsonb NOT NULL,
	"roots_apply_to_admins" boolean NOT NULL,
	"allow_desktop" boolean NOT NULL,
	"updated_at" bigint NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_session_id_remote_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."remote_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_transfers" ADD CONSTRAINT "file_transfers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_recordings" ADD CONSTRAINT "remote_recordings_session_id_remote_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."remote_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_recordings" ADD CONSTRAINT "remote_recordings_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_sessions" ADD CONSTRAINT "remote_sessions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_settings" ADD CONSTRAINT "remote_settings_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "file_transfers_device" ON "file_transfers" USING btree ("device_id","created_at");--> statement-breakpoint
CREATE INDEX "file_transfers_user" ON "file_transfers" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "file_transfers_session" ON "file_transfers" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "remote_recordings_session" ON "remote_recordings" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "remote_recordings_device" ON "remote_recordings" USING btree ("device_id","started_at");--> statement-breakpoint
CREATE INDEX "remote_recordings_expires" ON "remote_recordings" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "remote_sessions_device" ON "remote_sessions" USING btree ("device_id","created_at");--> statement-breakpoint
CREATE INDEX "remote_sessions_org_status" ON "remote_sessions" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "remote_sessions_user" ON "remote_sessions" USING btree ("user_id","created_at");