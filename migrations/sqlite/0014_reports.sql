CREATE TABLE `report_definitions` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`site_id` text,
	`group_id` text,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`period` text NOT NULL,
	`columns` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `report_definitions_partner` ON `report_definitions` (`partner_id`);--> statement-breakpoint
CREATE INDEX `report_definitions_org` ON `report_definitions` (`org_id`);--> statement-breakpoint
CREATE TABLE `report_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`schedule_id` text,
	`requested_by` text NOT NULL,
	`api_key_id` text,
	`covered_org_ids` text,
	`period_from` integer NOT NULL,
	`period_to` integer NOT NULL,
	`row_count` integer,
	`figures` text,
	`blob_key` text,
	`file_name` text,
	`bytes` integer,
	`error` text,
	`emailed_to` text,
	`email_error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `report_runs_report` ON `report_runs` (`report_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `report_runs_created` ON `report_runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `report_schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`recipients` text NOT NULL,
	`enabled` integer NOT NULL,
	`owner_id` text NOT NULL,
	`version` integer NOT NULL,
	`last_run_at` integer,
	`last_run_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `report_schedules_report` ON `report_schedules` (`report_id`);