CREATE TABLE `script_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`script_id` text NOT NULL,
	`script_version` integer NOT NULL,
	`script_name` text NOT NULL,
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
CREATE INDEX `script_batches_script` ON `script_batches` (`script_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `script_executions` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`script_id` text NOT NULL,
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
CREATE INDEX `script_executions_batch` ON `script_executions` (`batch_id`);--> statement-breakpoint
CREATE INDEX `script_executions_device` ON `script_executions` (`device_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `script_executions_org_created` ON `script_executions` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `script_executions_command` ON `script_executions` (`command_id`);--> statement-breakpoint
CREATE TABLE `script_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`script_id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`category` text NOT NULL,
	`language` text NOT NULL,
	`os_types` text NOT NULL,
	`content` text NOT NULL,
	`parameters` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`run_as` text NOT NULL,
	`changelog` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`script_id`) REFERENCES `scripts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `script_versions_version` ON `script_versions` (`script_id`,`version`);--> statement-breakpoint
CREATE TABLE `scripts` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text,
	`org_id` text,
	`is_system` integer NOT NULL,
	`template_key` text,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`category` text NOT NULL,
	`tags` text NOT NULL,
	`os_types` text NOT NULL,
	`language` text NOT NULL,
	`content` text NOT NULL,
	`parameters` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`run_as` text NOT NULL,
	`version` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `scripts_org` ON `scripts` (`org_id`);--> statement-breakpoint
CREATE INDEX `scripts_partner` ON `scripts` (`partner_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `scripts_template_key` ON `scripts` (`template_key`);