PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_script_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`script_id` text,
	`script_version` integer,
	`script_name` text NOT NULL,
	`command` text,
	`targets` text NOT NULL,
	`parameters` text NOT NULL,
	`offline` text NOT NULL,
	`expires_at` integer NOT NULL,
	`device_count` integer NOT NULL,
	`trigger_type` text NOT NULL,
	`triggered_by` text,
	`rerun_of` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`script_id`) REFERENCES `scripts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_script_batches`("id", "script_id", "script_version", "script_name", "command", "targets", "parameters", "offline", "expires_at", "device_count", "trigger_type", "triggered_by", "rerun_of", "created_at") SELECT "id", "script_id", "script_version", "script_name", NULL, "targets", "parameters", "offline", "expires_at", "device_count", "trigger_type", "triggered_by", "rerun_of", "created_at" FROM `script_batches`;--> statement-breakpoint
DROP TABLE `script_batches`;--> statement-breakpoint
ALTER TABLE `__new_script_batches` RENAME TO `script_batches`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `script_batches_script` ON `script_batches` (`script_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `__new_script_executions` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`script_id` text,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`command_id` text,
	`status` text NOT NULL,
	`exit_code` integer,
	`stdout` text NOT NULL,
	`stderr` text NOT NULL,
	`output_blob_key` text,
	`output_bytes` integer NOT NULL,
	`truncated` integer NOT NULL,
	`error_message` text,
	`triggered_by` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`batch_id`) REFERENCES `script_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`script_id`) REFERENCES `scripts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_script_executions`("id", "batch_id", "script_id", "device_id", "org_id", "command_id", "status", "exit_code", "stdout", "stderr", "output_blob_key", "output_bytes", "truncated", "error_message", "triggered_by", "created_at", "started_at", "completed_at") SELECT "id", "batch_id", "script_id", "device_id", "org_id", "command_id", "status", "exit_code", "stdout", "stderr", "output_blob_key", "output_bytes", "truncated", "error_message", "triggered_by", "created_at", "started_at", "completed_at" FROM `script_executions`;--> statement-breakpoint
DROP TABLE `script_executions`;--> statement-breakpoint
ALTER TABLE `__new_script_executions` RENAME TO `script_executions`;--> statement-breakpoint
CREATE INDEX `script_executions_batch` ON `script_executions` (`batch_id`);--> statement-breakpoint
CREATE INDEX `script_executions_device` ON `script_executions` (`device_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `script_executions_org_created` ON `script_executions` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `script_executions_command` ON `script_executions` (`command_id`);