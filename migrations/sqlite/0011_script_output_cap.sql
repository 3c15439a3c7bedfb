ALTER TABLE `script_versions` ADD `output_cap_mib` integer;--> statement-breakpoint
ALTER TABLE `scripts` ADD `output_cap_mib` integer;