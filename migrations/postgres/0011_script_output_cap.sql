ALTER TABLE "script_versions" ADD COLUMN "output_cap_mib" integer;--> statement-breakpoint
ALTER TABLE "scripts" ADD COLUMN "output_cap_mib" integer;