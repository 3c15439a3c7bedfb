CREATE TABLE "enrollment_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text NOT NULL,
	"site_id" text NOT NULL,
	"enrollment_key_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"hardware_id" text NOT NULL,
	"hostname" text NOT NULL,
	"os_type" text NOT NULL,
	"os_version" text NOT NULL,
	"os_build" text,
	"architecture" text NOT NULL,
	"agent_version" text NOT NULL,
	"ip" text,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"result_device_id" text,
	"decided_by" text,
	"decided_at" bigint,
	"last_polled_at" bigint,
	"expires_at" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "enrollment_requests_agentId_unique" UNIQUE("agent_id"),
	CONSTRAINT "enrollment_requests_tokenHash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "clone_of" text;--> statement-breakpoint
ALTER TABLE "enrollment_keys" ADD COLUMN "allow_reattach" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "enrollment_requests" ADD CONSTRAINT "enrollment_requests_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_requests" ADD CONSTRAINT "enrollment_requests_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_requests" ADD CONSTRAINT "enrollment_requests_enrollment_key_id_enrollment_keys_id_fk" FOREIGN KEY ("enrollment_key_id") REFERENCES "public"."enrollment_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_requests" ADD CONSTRAINT "enrollment_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrollment_requests_org_status" ON "enrollment_requests" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "enrollment_requests_device" ON "enrollment_requests" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "enrollment_requests_status_expiry" ON "enrollment_requests" USING btree ("status","expires_at");