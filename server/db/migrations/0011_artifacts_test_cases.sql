CREATE TABLE `artifacts` (
	`id` varchar(36) NOT NULL,
	`run_id` varchar(36) NOT NULL,
	`task_run_id` varchar(36),
	`name` varchar(512) NOT NULL,
	`size` bigint NOT NULL,
	`content_type` varchar(255),
	`sha256` varchar(64),
	`storage_key` varchar(1024) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `artifacts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `test_cases` (
	`id` bigint AUTO_INCREMENT NOT NULL,
	`run_id` varchar(36) NOT NULL,
	`task_run_id` varchar(36),
	`pipeline_id` varchar(36) NOT NULL,
	`suite` varchar(255) NOT NULL,
	`classname` varchar(512) NOT NULL,
	`name` varchar(512) NOT NULL,
	`test_key` varchar(64) NOT NULL,
	`status` varchar(8) NOT NULL,
	`duration_ms` int,
	`failure` text,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `test_cases_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `artifacts` ADD CONSTRAINT `artifacts_run_id_runs_id_fk` FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `artifacts` ADD CONSTRAINT `artifacts_task_run_id_task_runs_id_fk` FOREIGN KEY (`task_run_id`) REFERENCES `task_runs`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `test_cases` ADD CONSTRAINT `test_cases_run_id_runs_id_fk` FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `test_cases` ADD CONSTRAINT `test_cases_task_run_id_task_runs_id_fk` FOREIGN KEY (`task_run_id`) REFERENCES `task_runs`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `test_cases` ADD CONSTRAINT `test_cases_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `artifacts_run` ON `artifacts` (`run_id`,`name`);--> statement-breakpoint
CREATE INDEX `test_cases_run` ON `test_cases` (`run_id`,`status`);--> statement-breakpoint
CREATE INDEX `test_cases_history` ON `test_cases` (`pipeline_id`,`test_key`,`created_at`);