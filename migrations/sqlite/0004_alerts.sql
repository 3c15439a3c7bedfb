CREATE TABLE `alert_events` (
	`id` text PRIMARY KEY NOT NULL,
	`alert_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`actor_id` text,
	`actor_name` text,
	`note` text,
	`values` text,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alert_events_alert` ON `alert_events` (`alert_id`,`at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`enabled` integer NOT NULL,
	`severity` text NOT NULL,
	`targets` text NOT NULL,
	`conditions` text NOT NULL,
	`cooldown_minutes` integer NOT NULL,
	`auto_resolve` integer NOT NULL,
	`title_template` text NOT NULL,
	`message_template` text NOT NULL,
	`channel_ids` text NOT NULL,
	`escalation_policy_id` text,
	`site_offline_threshold` integer,
	`template_key` text,
	`created_by` text,
	`updated_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alert_rules_org` ON `alert_rules` (`org_id`);--> statement-breakpoint
CREATE INDEX `alert_rules_partner` ON `alert_rules` (`partner_id`);--> statement-breakpoint
CREATE TABLE `alert_watches` (
	`rule_id` text NOT NULL,
	`device_id` text NOT NULL,
	`subject` text NOT NULL,
	`org_id` text NOT NULL,
	`pending` text NOT NULL,
	`alert_id` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`rule_id`, `device_id`, `subject`)
);
--> statement-breakpoint
CREATE INDEX `alert_watches_device` ON `alert_watches` (`device_id`);--> statement-breakpoint
CREATE INDEX `alert_watches_alert` ON `alert_watches` (`alert_id`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`site_id` text,
	`device_id` text,
	`rule_id` text,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`status` text NOT NULL,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`message` text NOT NULL,
	`context` text NOT NULL,
	`triggered_at` integer NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	`resolved_at` integer,
	`resolved_by` text,
	`resolution_note` text,
	`resolving_values` text,
	`suppressed_until` integer,
	`suppress_reason` text,
	`parent_alert_id` text,
	`escalation_policy_id` text,
	`escalation_step` integer NOT NULL,
	`next_escalation_at` integer,
	`muted` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alerts_org_status` ON `alerts` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_device_status` ON `alerts` (`device_id`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_rule_device` ON `alerts` (`rule_id`,`device_id`,`subject`,`triggered_at`);--> statement-breakpoint
CREATE INDEX `alerts_escalation` ON `alerts` (`status`,`next_escalation_at`);--> statement-breakpoint
CREATE INDEX `alerts_suppressed` ON `alerts` (`status`,`suppressed_until`);--> statement-breakpoint
CREATE INDEX `alerts_parent` ON `alerts` (`parent_alert_id`);--> statement-breakpoint
CREATE INDEX `alerts_triggered` ON `alerts` (`triggered_at`);--> statement-breakpoint
CREATE TABLE `maintenance_windows` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`targets` text NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`recurrence` text,
	`timezone` text NOT NULL,
	`suppress` text NOT NULL,
	`enabled` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `maintenance_windows_org` ON `maintenance_windows` (`org_id`);--> statement-breakpoint
CREATE TABLE `delivery_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	`status_code` integer,
	`error` text,
	`duration_ms` integer NOT NULL,
	FOREIGN KEY (`delivery_id`) REFERENCES `notification_deliveries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `delivery_attempts_delivery` ON `delivery_attempts` (`delivery_id`);--> statement-breakpoint
CREATE TABLE `escalation_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`steps` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `escalation_policies_org` ON `escalation_policies` (`org_id`);--> statement-breakpoint
CREATE TABLE `notification_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`config` text NOT NULL,
	`secrets_sealed` text,
	`enabled` integer NOT NULL,
	`consecutive_failures` integer NOT NULL,
	`last_success_at` integer,
	`last_failure_at` integer,
	`last_error` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notification_channels_org` ON `notification_channels` (`org_id`);--> statement-breakpoint
CREATE INDEX `notification_channels_partner` ON `notification_channels` (`partner_id`);--> statement-breakpoint
CREATE TABLE `notification_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`alert_id` text,
	`channel_id` text NOT NULL,
	`channel_name` text NOT NULL,
	`channel_type` text NOT NULL,
	`transition` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_deliveries_once` ON `notification_deliveries` (`alert_id`,`channel_id`,`transition`);--> statement-breakpoint
CREATE INDEX `notification_deliveries_channel` ON `notification_deliveries` (`channel_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`org_id` text,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`link` text,
	`alert_id` text,
	`ticket_id` text,
	`read_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notifications_user` ON `notifications` (`user_id`,`read_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_alerts` (
	`ticket_id` text NOT NULL,
	`alert_id` text NOT NULL,
	`linked_at` integer NOT NULL,
	`linked_by` text,
	PRIMARY KEY(`ticket_id`, `alert_id`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_alerts_alert` ON `ticket_alerts` (`alert_id`);--> statement-breakpoint
CREATE TABLE `ticket_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text,
	`author_name` text,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_comments_ticket` ON `ticket_comments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`enabled` integer NOT NULL,
	`severities` text NOT NULL,
	`alert_rule_ids` text NOT NULL,
	`grouping` text NOT NULL,
	`priority` text NOT NULL,
	`assignee_id` text,
	`close_on_resolve` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_rules_org` ON `ticket_rules` (`org_id`);--> statement-breakpoint
CREATE INDEX `ticket_rules_partner` ON `ticket_rules` (`partner_id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`priority` text NOT NULL,
	`assignee_id` text,
	`device_id` text,
	`source` text NOT NULL,
	`ticket_rule_id` text,
	`group_key` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_org_number` ON `tickets` (`org_id`,`number`);--> statement-breakpoint
CREATE INDEX `tickets_org_status` ON `tickets` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_group` ON `tickets` (`group_key`);