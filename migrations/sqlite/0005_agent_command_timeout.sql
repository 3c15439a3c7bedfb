ALTER TABLE `agent_commands` ADD `timeout_ms` integer DEFAULT 3600000 NOT NULL;--> statement-breakpoint
CREATE INDEX `agent_commands_status_expires` ON `agent_commands` (`status`,`expires_at`);