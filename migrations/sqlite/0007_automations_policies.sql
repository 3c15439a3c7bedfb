CREATE TABLE `automation_run_steps` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`step_id` text NOT NULL,
	`path` text NOT NULL,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`summary` text NOT NULL,
	`details` text NOT NULL,
	`ref_id` text,
	`error` text,
	`started_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `automation_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_run_steps_seq` ON `automation_run_steps` (`run_id`,`seq`);--> statement-breakpoint
CREATE INDEX `automation_run_steps_ref` ON `automation_run_steps` (`ref_id`);--> statement-breakpoint
CREATE TABLE `automation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`automation_id` text NOT NULL,
	`automation_version` integer NOT NULL,
	`org_id` text NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger_key` text NOT NULL,
	`triggered_by` text NOT NULL,
	`user_id` text,
	`device_id` text,
	`trigger_data` text NOT NULL,
	`test` integer NOT NULL,
	`status` text NOT NULL,
	`definition` text NOT NULL,
	`state` text NOT NULL,
	`chain` text NOT NULL,
	`parent_run_id` text,
	`devices_targeted` integer NOT NULL,
	`devices_succeeded` integer NOT NULL,
	`devices_failed` integer NOT NULL,
	`resume_at` integer,
	`lease_until` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`automation_id`) REFERENCES `automations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_runs_trigger` ON `automation_runs` (`automation_id`,`trigger_key`);--> statement-breakpoint
CREATE INDEX `automation_runs_automation` ON `automation_runs` (`automation_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `automation_runs_org_status` ON `automation_runs` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `automation_runs_parent` ON `automation_runs` (`parent_run_id`);--> statement-breakpoint
CREATE TABLE `automation_slots` (
	`run_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`slot` integer NOT NULL,
	`taken_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_slots_org_slot` ON `automation_slots` (`org_id`,`slot`);--> statement-breakpoint
CREATE TABLE `automations` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`enabled` integer NOT NULL,
	`trigger` text NOT NULL,
	`trigger_event` text,
	`conditions` text NOT NULL,
	`actions` text NOT NULL,
	`on_failure` text NOT NULL,
	`notify_channel_ids` text NOT NULL,
	`webhook_token` text,
	`webhook_secret_sealed` text,
	`version` integer NOT NULL,
	`last_run_at` integer,
	`run_count` integer NOT NULL,
	`created_by` text,
	`updated_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `automations_org` ON `automations` (`org_id`);--> statement-breakpoint
CREATE INDEX `automations_partner` ON `automations` (`partner_id`);--> statement-breakpoint
CREATE INDEX `automations_event` ON `automations` (`trigger_event`);--> statement-breakpoint
CREATE UNIQUE INDEX `automations_webhook` ON `automations` (`webhook_token`);--> statement-breakpoint
CREATE TABLE `device_custom_fields` (
	`id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by_run` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_custom_fields_name` ON `device_custom_fields` (`device_id`,`name`);--> statement-breakpoint
CREATE INDEX `device_custom_fields_org` ON `device_custom_fields` (`org_id`);--> statement-breakpoint
CREATE TABLE `policies` (
	`id` text PRIMARY KEY NOT NULL,
	`partner_id` text NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`priority` integer NOT NULL,
	`enforcement` text NOT NULL,
	`settings` text NOT NULL,
	`check_interval_minutes` integer NOT NULL,
	`remediation_script_id` text,
	`max_remediation_attempts` integer NOT NULL,
	`alert_severity` text NOT NULL,
	`alert_channel_ids` text NOT NULL,
	`template_key` text,
	`version` integer NOT NULL,
	`next_check_at` integer,
	`last_evaluated_at` integer,
	`created_by` text,
	`updated_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `policies_org` ON `policies` (`org_id`);--> statement-breakpoint
CREATE INDEX `policies_due` ON `policies` (`status`,`next_check_at`);--> statement-breakpoint
CREATE TABLE `policy_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`org_id` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`priority` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policy_assignments_target` ON `policy_assignments` (`policy_id`,`target_type`,`target_id`);--> statement-breakpoint
CREATE INDEX `policy_assignments_org` ON `policy_assignments` (`org_id`);--> statement-breakpoint
CREATE TABLE `policy_compliance` (
	`id` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`status` text NOT NULL,
	`details` text NOT NULL,
	`checked_at` integer NOT NULL,
	`changed_at` integer NOT NULL,
	`remediation_attempts` integer NOT NULL,
	`last_remediation_at` integer,
	`remediation_batch_id` text,
	`check_command_id` text,
	`check_batch_id` text,
	`alert_id` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policy_compliance_device` ON `policy_compliance` (`policy_id`,`device_id`);--> statement-breakpoint
CREATE INDEX `policy_compliance_org` ON `policy_compliance` (`org_id`,`status`);--> statement-breakpoint
CREATE INDEX `policy_compliance_device_id` ON `policy_compliance` (`device_id`);--> statement-breakpoint
CREATE INDEX `policy_compliance_command` ON `policy_compliance` (`check_command_id`);--> statement-breakpoint
CREATE INDEX `policy_compliance_batch` ON `policy_compliance` (`check_batch_id`);--> statement-breakpoint
CREATE INDEX `policy_compliance_remediation` ON `policy_compliance` (`remediation_batch_id`);--> statement-breakpoint
CREATE TABLE `policy_compliance_daily` (
	`id` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`org_id` text NOT NULL,
	`day` integer NOT NULL,
	`compliant` integer NOT NULL,
	`non_compliant` integer NOT NULL,
	`pending` integer NOT NULL,
	`error` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policy_daily_day` ON `policy_compliance_daily` (`policy_id`,`day`);--> statement-breakpoint
CREATE INDEX `policy_daily_org` ON `policy_compliance_daily` (`org_id`,`day`);--> statement-breakpoint
CREATE TABLE `policy_compliance_history` (
	`id` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`previous_status` text,
	`summary` text NOT NULL,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `policy_history_device` ON `policy_compliance_history` (`policy_id`,`device_id`,`at`);--> statement-breakpoint
CREATE INDEX `policy_history_org` ON `policy_compliance_history` (`org_id`,`at`);--> statement-breakpoint
CREATE TABLE `policy_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`priority` integer NOT NULL,
	`enforcement` text NOT NULL,
	`settings` text NOT NULL,
	`check_interval_minutes` integer NOT NULL,
	`remediation_script_id` text,
	`max_remediation_attempts` integer NOT NULL,
	`alert_severity` text NOT NULL,
	`alert_channel_ids` text NOT NULL,
	`changelog` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`policy_id`) REFERENCES `policies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policy_versions_version` ON `policy_versions` (`policy_id`,`version`);