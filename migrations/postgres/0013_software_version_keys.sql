ALTER TABLE "device_software" ADD COLUMN "version_key" text;--> statement-breakpoint
CREATE INDEX "device_software_lname" ON "device_software" USING btree (lower("name"),"version_key");