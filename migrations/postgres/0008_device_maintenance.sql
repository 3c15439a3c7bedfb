CREATE TABLE "device_maintenance" (
	"device_id" text PRIMARY KEY NOT NULL,
	"started_at" bigint NOT NULL,
	"ends_at" bigint,
	"reason" text,
	"started_by" text
);
--> statement-breakpoint
ALTER TABLE "device_maintenance" ADD CONSTRAINT "device_maintenance_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_maintenance" ADD CONSTRAINT "device_maintenance_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "device_maintenance_ends" ON "device_maintenance" USING btree ("ends_at");