CREATE TABLE `script_output_chunks` (
	`execution_id` text NOT NULL,
	`seq` integer NOT NULL,
	`bytes` integer NOT NULL,
	PRIMARY KEY(`execution_id`, `seq`)
);
