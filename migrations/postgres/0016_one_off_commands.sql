ALTER TABLE "script_batches" ALTER COLUMN "script_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "script_batches" ALTER COLUMN "script_version" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "script_executions" ALTER COLUMN "script_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "script_batches" ADD COLUMN "command" jsonb;