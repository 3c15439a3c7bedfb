CREATE TABLE `fleet_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_key` text NOT NULL,
	`action_id` text NOT NULL,
	`kind` text NOT NULL,
	`user_id` text,
	`device_count` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fleet_actions_tenant_at` ON `fleet_actions` (`tenant_key`,`at`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `fleet` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `step_up_at` integer;