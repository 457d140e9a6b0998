CREATE TABLE `task_triage` (
	`task_run_id` varchar(36) NOT NULL,
	`run_id` varchar(36) NOT NULL,
	`pipeline_id` varchar(36) NOT NULL,
	`project_id` varchar(36) NOT NULL,
	`task_name` varchar(255) NOT NULL,
	`reason` varchar(32),
	`fingerprint` varchar(16) NOT NULL,
	`first_error` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `task_triage_task_run_id` PRIMARY KEY(`task_run_id`)
);
--> statement-breakpoint
ALTER TABLE `task_triage` ADD CONSTRAINT `task_triage_task_run_id_task_runs_id_fk` FOREIGN KEY (`task_run_id`) REFERENCES `task_runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `task_triage` ADD CONSTRAINT `task_triage_run_id_runs_id_fk` FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `task_triage` ADD CONSTRAINT `task_triage_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `task_triage` ADD CONSTRAINT `task_triage_project_id_projects_id_fk` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `task_triage_run` ON `task_triage` (`run_id`);--> statement-breakpoint
CREATE INDEX `task_triage_fingerprint` ON `task_triage` (`project_id`,`fingerprint`,`created_at`);