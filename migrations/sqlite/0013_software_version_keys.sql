ALTER TABLE `device_software` ADD `version_key` text;--> statement-breakpoint
CREATE INDEX `device_software_lname` ON `device_software` (lower("name"),`version_key`);