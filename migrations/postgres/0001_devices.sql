CREATE TABLE "agent_commands" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"source_type" text,
	"source_id" text,
	"created_by" text,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"sent_at" bigint,
	"started_at" bigint,
	"completed_at" bigint,
	"result" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "device_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"at" bigint NOT NULL,
	"kind" text NOT NULL,
	"action" text NOT NULL,
	"summary" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "device_disks" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"mount" text NOT NULL,
	"fs_type" text,
	"total_bytes" bigint NOT NULL,
	"used_bytes" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_group_members" (
	"group_id" text NOT NULL,
	"device_id" text NOT NULL,
	"added_by" text NOT NULL,
	"added_at" bigint NOT NULL,
	CONSTRAINT "device_group_members_group_id_device_id_pk" PRIMARY KEY("group_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "device_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"site_id" text,
	"parent_id" text,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"rule_text" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_hardware" (
	"device_id" text PRIMARY KEY NOT NULL,
	"cpu_model" text,
	"cpu_cores" integer,
	"cpu_threads" integer,
	"ram_total_mb" integer,
	"disk_total_gb" integer,
	"gpu_model" text,
	"serial_number" text,
	"manufacturer" text,
	"model" text,
	"bios_version" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_metric_rollups" (
	"device_id" text NOT NULL,
	"resolution" text NOT NULL,
	"bucket" bigint NOT NULL,
	"samples" integer NOT NULL,
	"cpu_avg" integer,
	"cpu_min" integer,
	"cpu_max" integer,
	"ram_avg" integer,
	"ram_min" integer,
	"ram_max" integer,
	"disk_avg" integer,
	"disk_min" integer,
	"disk_max" integer,
	"net_in_bytes" bigint,
	"net_out_bytes" bigint,
	"process_avg" integer,
	CONSTRAINT "device_metric_rollups_device_id_resolution_bucket_pk" PRIMARY KEY("device_id","resolution","bucket")
);
--> statement-breakpoint
CREATE TABLE "device_metrics" (
	"device_id" text NOT NULL,
	"at" bigint NOT NULL,
	"cpu_percent" integer,
	"ram_percent" integer,
	"ram_used_mb" integer,
	"disk_percent" integer,
	"disk_used_gb" integer,
	"net_in_bytes" bigint,
	"net_out_bytes" bigint,
	"process_count" integer,
	"custom" jsonb,
	CONSTRAINT "device_metrics_device_id_at_pk" PRIMARY KEY("device_id","at")
);
--> statement-breakpoint
CREATE TABLE "device_network" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"interface_name" text NOT NULL,
	"mac_address" text,
	"ip_address" text,
	"ip_type" text,
	"is_primary" boolean NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_services" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"name" text NOT NULL,
	"display_name" text,
	"state" text NOT NULL,
	"start_mode" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_software" (
	"id" text PRIMARY KEY NOT NULL,
	"device_id" text NOT NULL,
	"name" text NOT NULL,
	"version" text,
	"publisher" text,
	"install_date" text,
	"install_location" text,
	"source" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"site_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_secret_hash" text NOT NULL,
	"hardware_id" text NOT NULL,
	"hostname" text NOT NULL,
	"display_name" text,
	"os_type" text NOT NULL,
	"os_version" text NOT NULL,
	"os_build" text,
	"architecture" text NOT NULL,
	"agent_version" text NOT NULL,
	"status" text NOT NULL,
	"last_seen_at" bigint,
	"last_heartbeat_at" bigint,
	"last_inventory_at" bigint,
	"boot_time" bigint,
	"last_user" text,
	"logged_in_users" jsonb NOT NULL,
	"pending_reboot" boolean NOT NULL,
	"public_ip" text,
	"cpu_percent" integer,
	"ram_percent" integer,
	"disk_percent" integer,
	"tags" jsonb NOT NULL,
	"heartbeat_seconds" integer NOT NULL,
	"clone_suspected_at" bigint,
	"enrollment_key_id" text,
	"enrolled_by" text,
	"enrolled_at" bigint NOT NULL,
	"decommissioned_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "devices_agentId_unique" UNIQUE("agent_id")
);
--> statement-breakpoint
CREATE TABLE "enrollment_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"site_id" text,
	"group_id" text,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"expires_at" bigint,
	"max_uses" integer,
	"used_count" integer NOT NULL,
	"revoked_at" bigint,
	"created_by" text,
	"created_at" bigint NOT NULL,
	CONSTRAINT "enrollment_keys_keyHash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
ALTER TABLE "agent_commands" ADD CONSTRAINT "agent_commands_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_changes" ADD CONSTRAINT "device_changes_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_disks" ADD CONSTRAINT "device_disks_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_group_members" ADD CONSTRAINT "device_group_members_group_id_device_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."device_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_group_members" ADD CONSTRAINT "device_group_members_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_groups" ADD CONSTRAINT "device_groups_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_groups" ADD CONSTRAINT "device_groups_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_hardware" ADD CONSTRAINT "device_hardware_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_metric_rollups" ADD CONSTRAINT "device_metric_rollups_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_metrics" ADD CONSTRAINT "device_metrics_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_network" ADD CONSTRAINT "device_network_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_services" ADD CONSTRAINT "device_services_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_software" ADD CONSTRAINT "device_software_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_enrolled_by_users_id_fk" FOREIGN KEY ("enrolled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_keys" ADD CONSTRAINT "enrollment_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_keys" ADD CONSTRAINT "enrollment_keys_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_keys" ADD CONSTRAINT "enrollment_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_commands_device_status" ON "agent_commands" USING btree ("device_id","status");--> statement-breakpoint
CREATE INDEX "agent_commands_source" ON "agent_commands" USING btree ("source_type","source_id");--> statement-breakpoint
CREATE INDEX "device_changes_device_at" ON "device_changes" USING btree ("device_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "device_disks_mount" ON "device_disks" USING btree ("device_id","mount");--> statement-breakpoint
CREATE INDEX "device_group_members_device" ON "device_group_members" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "device_groups_org" ON "device_groups" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "device_metric_rollups_bucket" ON "device_metric_rollups" USING btree ("resolution","bucket");--> statement-breakpoint
CREATE INDEX "device_metrics_at" ON "device_metrics" USING btree ("at");--> statement-breakpoint
CREATE INDEX "device_network_device" ON "device_network" USING btree ("device_id");--> statement-breakpoint
CREATE UNIQUE INDEX "device_services_name" ON "device_services" USING btree ("device_id","name");--> statement-breakpoint
CREATE INDEX "device_software_device" ON "device_software" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "device_software_name" ON "device_software" USING btree ("name");--> statement-breakpoint
CREATE INDEX "devices_org_site" ON "devices" USING btree ("org_id","site_id");--> statement-breakpoint
CREATE INDEX "devices_hardware" ON "devices" USING btree ("org_id","hardware_id");--> statement-breakpoint
CREATE INDEX "devices_status" ON "devices" USING btree ("status");--> statement-breakpoint
CREATE INDEX "devices_hostname" ON "devices" USING btree ("hostname");--> statement-breakpoint
CREATE INDEX "enrollment_keys_org" ON "enrollment_keys" USING btree ("org_id");