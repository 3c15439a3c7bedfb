CREATE TABLE `device_patch_status` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`scan_status` text NOT NULL,
	`scan_error` text,
	`scan_command_id` text,
	`last_scan_at` integer,
	`providers` text NOT NULL,
	`reboot_required` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_patch_status_device` ON `device_patch_status` (`device_id`);--> statement-breakpoint
CREATE INDEX `device_patch_status_command` ON `device_patch_status` (`scan_command_id`);--> statement-breakpoint
CREATE TABLE `device_patches` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text NOT NULL,
	`patch_id` text NOT NULL,
	`state` text NOT NULL,
	`installed_version` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`installed_at` integer,
	`last_job_id` text,
	`last_error` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_patches_device_patch` ON `device_patches` (`device_id`,`patch_id`);--> statement-breakpoint
CREATE INDEX `device_patches_org_state` ON `device_patches` (`org_id`,`state`);--> statement-breakpoint
CREATE INDEX `device_patches_patch` ON `device_patches` (`patch_id`,`state`);--> statement-breakpoint
CREATE TABLE `patch_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`patch_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`decided_by` text,
	`decided_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patch_approvals_org_patch` ON `patch_approvals` (`org_id`,`patch_id`);--> statement-breakpoint
CREATE TABLE `patch_job_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`status` text NOT NULL,
	`command_id` text,
	`patch_ids` text NOT NULL,
	`output` text NOT NULL,
	`error` text,
	`reboot_required` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`job_id`) REFERENCES `patch_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patch_job_devices_job` ON `patch_job_devices` (`job_id`);--> statement-breakpoint
CREATE INDEX `patch_job_devices_command` ON `patch_job_devices` (`command_id`);--> statement-breakpoint
CREATE INDEX `patch_job_devices_device` ON `patch_job_devices` (`device_id`);--> statement-breakpoint
CREATE TABLE `patch_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`status` text NOT NULL,
	`patch_ids` text,
	`device_count` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patch_jobs_org` ON `patch_jobs` (`org_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `patches` (
	`id` text PRIMARY KEY NOT NULL,
	`os` text NOT NULL,
	`source` text NOT NULL,
	`external_id` text NOT NULL,
	`version` text NOT NULL,
	`title` text NOT NULL,
	`severity` text NOT NULL,
	`classification` text NOT NULL,
	`reboot_required` integer NOT NULL,
	`size_bytes` integer,
	`released_at` integer,
	`origin` text,
	`supersedes` text NOT NULL,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patches_identity` ON `patches` (`os`,`source`,`external_id`,`version`);--> statement-breakpoint
CREATE INDEX `patches_external` ON `patches` (`source`,`external_id`);