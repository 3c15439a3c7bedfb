CREATE TABLE `enrollment_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`device_id` text NOT NULL,
	`site_id` text NOT NULL,
	`enrollment_key_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`hardware_id` text NOT NULL,
	`hostname` text NOT NULL,
	`os_type` text NOT NULL,
	`os_version` text NOT NULL,
	`os_build` text,
	`architecture` text NOT NULL,
	`agent_version` text NOT NULL,
	`ip` text,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`result_device_id` text,
	`decided_by` text,
	`decided_at` integer,
	`last_polled_at` integer,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrollment_key_id`) REFERENCES `enrollment_keys`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_requests_agentId_unique` ON `enrollment_requests` (`agent_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_requests_tokenHash_unique` ON `enrollment_requests` (`token_hash`);--> statement-breakpoint
CREATE INDEX `enrollment_requests_org_status` ON `enrollment_requests` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `enrollment_requests_device` ON `enrollment_requests` (`device_id`);--> statement-breakpoint
CREATE INDEX `enrollment_requests_status_expiry` ON `enrollment_requests` (`status`,`expires_at`);--> statement-breakpoint
ALTER TABLE `devices` ADD `clone_of` text;--> statement-breakpoint
ALTER TABLE `enrollment_keys` ADD `allow_reattach` integer DEFAULT false NOT NULL;