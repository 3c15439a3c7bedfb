CREATE TABLE `file_transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text,
	`org_id` text NOT NULL,
	`device_id` text NOT NULL,
	`user_id` text NOT NULL,
	`direction` text NOT NULL,
	`remote_path` text NOT NULL,
	`local_filename` text NOT NULL,
	`size_bytes` integer,
	`transferred_bytes` integer NOT NULL,
	`sha256` text,
	`status` text NOT NULL,
	`progress_percent` integer NOT NULL,
	`error_message` text,
	`via` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`session_id`) REFERENCES `remote_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `file_transfers_device` ON `file_transfers` (`device_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `file_transfers_user` ON `file_transfers` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `file_transfers_session` ON `file_transfers` (`session_id`);--> statement-breakpoint
CREATE TABLE `remote_recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`org_id` text NOT NULL,
	`device_id` text NOT NULL,
	`user_id` text NOT NULL,
	`blob_key` text NOT NULL,
	`bytes` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`cols` integer NOT NULL,
	`rows` integer NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `remote_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `remote_recordings_session` ON `remote_recordings` (`session_id`);--> statement-breakpoint
CREATE INDEX `remote_recordings_device` ON `remote_recordings` (`device_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `remote_recordings_expires` ON `remote_recordings` (`expires_at`);--> statement-breakpoint
CREATE TABLE `remote_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text NOT NULL,
	`device_id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`transport` text,
	`shell` text,
	`command_id` text,
	`end_reason` text,
	`ended_by` text,
	`error_message` text,
	`webrtc_offer` text,
	`webrtc_answer` text,
	`ice_candidates` text NOT NULL,
	`bytes_in` integer NOT NULL,
	`bytes_out` integer NOT NULL,
	`recording` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`duration_seconds` integer,
	`last_activity_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `remote_sessions_device` ON `remote_sessions` (`device_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `remote_sessions_org_status` ON `remote_sessions` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `remote_sessions_user` ON `remote_sessions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `remote_settings` (
	`org_id` text PRIMARY KEY NOT NULL,
	`require_mfa` integer NOT NULL,
	`record_terminal` integer NOT NULL,
	`recording_retention_days` integer NOT NULL,
	`idle_timeout_minutes` integer NOT NULL,
	`file_roots` text NOT NULL,
	`roots_apply_to_admins` integer NOT NULL,
	`allow_desktop` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
