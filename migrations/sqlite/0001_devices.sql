CREATE TABLE `agent_commands` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`source_type` text,
	`source_id` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`sent_at` integer,
	`started_at` integer,
	`completed_at` integer,
	`result` text,
	`error` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agent_commands_device_status` ON `agent_commands` (`device_id`,`status`);--> statement-breakpoint
CREATE INDEX `agent_commands_source` ON `agent_commands` (`source_type`,`source_id`);--> statement-breakpoint
CREATE TABLE `device_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`action` text NOT NULL,
	`summary` text NOT NULL,
	`details` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_changes_device_at` ON `device_changes` (`device_id`,`at`);--> statement-breakpoint
CREATE TABLE `device_disks` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`mount` text NOT NULL,
	`fs_type` text,
	`total_bytes` integer NOT NULL,
	`used_bytes` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_disks_mount` ON `device_disks` (`device_id`,`mount`);--> statement-breakpoint
CREATE TABLE `device_group_members` (
	`group_id` text NOT NULL,
	`device_id` text NOT NULL,
	`added_by` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `device_id`),
	FOREIGN KEY (`group_id`) REFERENCES `device_groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_group_members_device` ON `device_group_members` (`device_id`);--> statement-breakpoint
CREATE TABLE `device_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text,
	`parent_id` text,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`rule_text` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_groups_org` ON `device_groups` (`org_id`);--> statement-breakpoint
CREATE TABLE `device_hardware` (
	`device_id` text PRIMARY KEY NOT NULL,
	`cpu_model` text,
	`cpu_cores` integer,
	`cpu_threads` integer,
	`ram_total_mb` integer,
	`disk_total_gb` integer,
	`gpu_model` text,
	`serial_number` text,
	`manufacturer` text,
	`model` text,
	`bios_version` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `device_metric_rollups` (
	`device_id` text NOT NULL,
	`resolution` text NOT NULL,
	`bucket` integer NOT NULL,
	`samples` integer NOT NULL,
	`cpu_avg` integer,
	`cpu_min` integer,
	`cpu_max` integer,
	`ram_avg` integer,
	`ram_min` integer,
	`ram_max` integer,
	`disk_avg` integer,
	`disk_min` integer,
	`disk_max` integer,
	`net_in_bytes` integer,
	`net_out_bytes` integer,
	`process_avg` integer,
	PRIMARY KEY(`device_id`, `resolution`, `bucket`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_metric_rollups_bucket` ON `device_metric_rollups` (`resolution`,`bucket`);--> statement-breakpoint
CREATE TABLE `device_metrics` (
	`device_id` text NOT NULL,
	`at` integer NOT NULL,
	`cpu_percent` integer,
	`ram_percent` integer,
	`ram_used_mb` integer,
	`disk_percent` integer,
	`disk_used_gb` integer,
	`net_in_bytes` integer,
	`net_out_bytes` integer,
	`process_count` integer,
	`custom` text,
	PRIMARY KEY(`device_id`, `at`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_metrics_at` ON `device_metrics` (`at`);--> statement-breakpoint
CREATE TABLE `device_network` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`interface_name` text NOT NULL,
	`mac_address` text,
	`ip_address` text,
	`ip_type` text,
	`is_primary` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_network_device` ON `device_network` (`device_id`);--> statement-breakpoint
CREATE TABLE `device_services` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`name` text NOT NULL,
	`display_name` text,
	`state` text NOT NULL,
	`start_mode` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_services_name` ON `device_services` (`device_id`,`name`);--> statement-breakpoint
CREATE TABLE `device_software` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`name` text NOT NULL,
	`version` text,
	`publisher` text,
	`install_date` text,
	`install_location` text,
	`source` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_software_device` ON `device_software` (`device_id`);--> statement-breakpoint
CREATE INDEX `device_software_name` ON `device_software` (`name`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`agent_secret_hash` text NOT NULL,
	`hardware_id` text NOT NULL,
	`hostname` text NOT NULL,
	`display_name` text,
	`os_type` text NOT NULL,
	`os_version` text NOT NULL,
	`os_build` text,
	`architecture` text NOT NULL,
	`agent_version` text NOT NULL,
	`status` text NOT NULL,
	`last_seen_at` integer,
	`last_heartbeat_at` integer,
	`last_inventory_at` integer,
	`boot_time` integer,
	`last_user` text,
	`logged_in_users` text NOT NULL,
	`pending_reboot` integer NOT NULL,
	`public_ip` text,
	`cpu_percent` integer,
	`ram_percent` integer,
	`disk_percent` integer,
	`tags` text NOT NULL,
	`heartbeat_seconds` integer NOT NULL,
	`clone_suspected_at` integer,
	`enrollment_key_id` text,
	`enrolled_by` text,
	`enrolled_at` integer NOT NULL,
	`decommissioned_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrolled_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_agentId_unique` ON `devices` (`agent_id`);--> statement-breakpoint
CREATE INDEX `devices_org_site` ON `devices` (`org_id`,`site_id`);--> statement-breakpoint
CREATE INDEX `devices_hardware` ON `devices` (`org_id`,`hardware_id`);--> statement-breakpoint
CREATE INDEX `devices_status` ON `devices` (`status`);--> statement-breakpoint
CREATE INDEX `devices_hostname` ON `devices` (`hostname`);--> statement-breakpoint
CREATE TABLE `enrollment_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text,
	`group_id` text,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`expires_at` integer,
	`max_uses` integer,
	`used_count` integer NOT NULL,
	`revoked_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_keys_keyHash_unique` ON `enrollment_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `enrollment_keys_org` ON `enrollment_keys` (`org_id`);