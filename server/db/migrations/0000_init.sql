CREATE TABLE `api_tokens` (
	`id` varchar(36) NOT NULL,
	`user_id` varchar(36) NOT NULL,
	`name` varchar(100) NOT NULL,
	`token_hash` varchar(64) NOT NULL,
	`scope` varchar(16) NOT NULL DEFAULT 'admin',
	`expires_at` datetime(3),
	`last_used_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `api_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `api_tokens_hash` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` varchar(36) NOT NULL,
	`username` varchar(64) NOT NULL,
	`name` varchar(200) NOT NULL,
	`password_hash` varchar(100),
	`role` varchar(16) NOT NULL DEFAULT 'user',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `users_username` UNIQUE(`username`)
);
--> statement-breakpoint
CREATE TABLE `template_versions` (
	`id` varchar(36) NOT NULL,
	`template_id` varchar(36) NOT NULL,
	`version` int NOT NULL,
	`definition` json NOT NULL,
	`content_hash` varchar(64) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `template_versions_id` PRIMARY KEY(`id`),
	CONSTRAINT `template_versions_tv` UNIQUE(`template_id`,`version`)
);
--> statement-breakpoint
CREATE TABLE `templates` (
	`id` varchar(36) NOT NULL,
	`name` varchar(63) NOT NULL,
	`title` varchar(200) NOT NULL,
	`category` varchar(50) NOT NULL,
	`description` text NOT NULL,
	`icon` varchar(50) NOT NULL,
	`latest_version` int NOT NULL,
	`builtin` boolean NOT NULL DEFAULT false,
	`deprecated` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `templates_id` PRIMARY KEY(`id`),
	CONSTRAINT `templates_name` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `pipeline_versions` (
	`id` varchar(36) NOT NULL,
	`pipeline_id` varchar(36) NOT NULL,
	`version` int NOT NULL,
	`spec` json NOT NULL,
	`source` text,
	`message` varchar(500),
	`author_id` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `pipeline_versions_id` PRIMARY KEY(`id`),
	CONSTRAINT `pipeline_versions_pv` UNIQUE(`pipeline_id`,`version`)
);
--> statement-breakpoint
CREATE TABLE `pipelines` (
	`id` varchar(36) NOT NULL,
	`name` varchar(63) NOT NULL,
	`description` text,
	`current_version` int NOT NULL,
	`created_by` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `pipelines_id` PRIMARY KEY(`id`),
	CONSTRAINT `pipelines_name` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `log_chunks` (
	`id` bigint AUTO_INCREMENT NOT NULL,
	`task_run_id` varchar(36) NOT NULL,
	`seq_start` bigint NOT NULL,
	`seq_end` bigint NOT NULL,
	`data` longtext NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `log_chunks_id` PRIMARY KEY(`id`),
	CONSTRAINT `log_chunks_task_seq` UNIQUE(`task_run_id`,`seq_start`)
);
--> statement-breakpoint
CREATE TABLE `operators` (
	`id` varchar(100) NOT NULL,
	`hostname` varchar(253) NOT NULL,
	`pid` int NOT NULL,
	`started_at` datetime(3) NOT NULL,
	`heartbeat_at` datetime(3) NOT NULL,
	CONSTRAINT `operators_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` varchar(36) NOT NULL,
	`pipeline_id` varchar(36) NOT NULL,
	`number` int NOT NULL,
	`version` int NOT NULL,
	`status` varchar(16) NOT NULL,
	`message` varchar(1000),
	`params` json NOT NULL,
	`secret_names` json NOT NULL,
	`trigger` varchar(32) NOT NULL DEFAULT 'manual',
	`cancel_requested` boolean NOT NULL DEFAULT false,
	`rev` int NOT NULL DEFAULT 0,
	`created_by` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`started_at` datetime(3),
	`finished_at` datetime(3),
	CONSTRAINT `runs_id` PRIMARY KEY(`id`),
	CONSTRAINT `runs_pipeline_number` UNIQUE(`pipeline_id`,`number`)
);
--> statement-breakpoint
CREATE TABLE `task_runs` (
	`id` varchar(36) NOT NULL,
	`run_id` varchar(36) NOT NULL,
	`stage_index` int NOT NULL,
	`stage_name` varchar(63) NOT NULL,
	`stage_mode` varchar(16) NOT NULL,
	`task_index` int NOT NULL,
	`name` varchar(63) NOT NULL,
	`status` varchar(16) NOT NULL,
	`message` varchar(1000),
	`exit_code` int,
	`attempt` int NOT NULL DEFAULT 0,
	`plan` json NOT NULL,
	`claimed_by` varchar(100),
	`executor_ref` varchar(253),
	`log_seq` bigint NOT NULL DEFAULT 0,
	`started_at` datetime(3),
	`finished_at` datetime(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `task_runs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `api_tokens` ADD CONSTRAINT `api_tokens_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `template_versions` ADD CONSTRAINT `template_versions_template_id_templates_id_fk` FOREIGN KEY (`template_id`) REFERENCES `templates`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `pipeline_versions` ADD CONSTRAINT `pipeline_versions_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `pipeline_versions` ADD CONSTRAINT `pipeline_versions_author_id_users_id_fk` FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `pipelines` ADD CONSTRAINT `pipelines_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `log_chunks` ADD CONSTRAINT `log_chunks_task_run_id_task_runs_id_fk` FOREIGN KEY (`task_run_id`) REFERENCES `task_runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `runs` ADD CONSTRAINT `runs_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `runs` ADD CONSTRAINT `runs_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `task_runs` ADD CONSTRAINT `task_runs_run_id_runs_id_fk` FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `api_tokens_user` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`status`);--> statement-breakpoint
CREATE INDEX `task_runs_run` ON `task_runs` (`run_id`);--> statement-breakpoint
CREATE INDEX `task_runs_status` ON `task_runs` (`status`);