CREATE TABLE `schedules` (
	`id` varchar(36) NOT NULL,
	`pipeline_id` varchar(36) NOT NULL,
	`description` varchar(200),
	`cron` varchar(120) NOT NULL,
	`time_zone` varchar(64) NOT NULL DEFAULT 'UTC',
	`params` json NOT NULL,
	`concurrency_policy` varchar(8) NOT NULL DEFAULT 'Allow',
	`suspend` boolean NOT NULL DEFAULT false,
	`starting_deadline_seconds` int,
	`successful_history_limit` int NOT NULL DEFAULT 3,
	`failed_history_limit` int NOT NULL DEFAULT 1,
	`last_scheduled_at` datetime(3),
	`next_at` datetime(3),
	`last_result` varchar(1000),
	`created_by` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `schedules_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `ref` varchar(255);--> statement-breakpoint
ALTER TABLE `runs` ADD `schedule_id` varchar(36);--> statement-breakpoint
ALTER TABLE `runs` ADD `rerun_of` varchar(36);--> statement-breakpoint
ALTER TABLE `task_runs` ADD `reused_from` varchar(36);--> statement-breakpoint
ALTER TABLE `schedules` ADD CONSTRAINT `schedules_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `schedules` ADD CONSTRAINT `schedules_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `schedules_pipeline` ON `schedules` (`pipeline_id`);--> statement-breakpoint
CREATE INDEX `schedules_due` ON `schedules` (`suspend`,`next_at`);--> statement-breakpoint
ALTER TABLE `runs` ADD CONSTRAINT `runs_schedule_id_schedules_id_fk` FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `runs_pipeline_status` ON `runs` (`pipeline_id`,`status`);--> statement-breakpoint
CREATE INDEX `runs_schedule` ON `runs` (`schedule_id`);