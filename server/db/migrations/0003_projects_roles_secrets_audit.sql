CREATE TABLE `accounts` (
	`id` varchar(36) NOT NULL,
	`user_id` varchar(36) NOT NULL,
	`provider` varchar(32) NOT NULL,
	`provider_account_id` varchar(255) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `accounts_id` PRIMARY KEY(`id`),
	CONSTRAINT `accounts_provider_account` UNIQUE(`provider`,`provider_account_id`)
);
--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`key` varchar(200) NOT NULL,
	`failures` int NOT NULL,
	`window_start` datetime(3) NOT NULL,
	`locked_until` datetime(3),
	CONSTRAINT `login_throttle_key` PRIMARY KEY(`key`)
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` bigint AUTO_INCREMENT NOT NULL,
	`actor_id` varchar(36),
	`actor_name` varchar(64) NOT NULL,
	`action` varchar(64) NOT NULL,
	`target_type` varchar(32) NOT NULL,
	`target_id` varchar(64),
	`target_name` varchar(200),
	`project_id` varchar(36),
	`address` varchar(64),
	`details` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `audit_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `memberships` (
	`project_id` varchar(36) NOT NULL,
	`user_id` varchar(36) NOT NULL,
	`role` varchar(16) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `memberships_project_id_user_id_pk` PRIMARY KEY(`project_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `projects` (
	`id` varchar(36) NOT NULL,
	`slug` varchar(40) NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` text,
	`settings` json NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `projects_id` PRIMARY KEY(`id`),
	CONSTRAINT `projects_slug` UNIQUE(`slug`)
);
--> statement-breakpoint
CREATE TABLE `secrets` (
	`id` varchar(36) NOT NULL,
	`project_id` varchar(36) NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(500),
	`ciphertext` text NOT NULL,
	`key_id` varchar(64) NOT NULL,
	`created_by` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `secrets_id` PRIMARY KEY(`id`),
	CONSTRAINT `secrets_project_name` UNIQUE(`project_id`,`name`)
);
--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` varchar(36) NOT NULL,
	`task_run_id` varchar(36) NOT NULL,
	`user_id` varchar(36),
	`username` varchar(64) NOT NULL,
	`decision` varchar(8) NOT NULL,
	`comment` varchar(2000),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `approvals_id` PRIMARY KEY(`id`),
	CONSTRAINT `approvals_task_user` UNIQUE(`task_run_id`,`user_id`)
);
--> statement-breakpoint
ALTER TABLE `pipelines` DROP INDEX `pipelines_name`;--> statement-breakpoint
ALTER TABLE `users` ADD `email` varchar(254);--> statement-breakpoint
ALTER TABLE `users` ADD `disabled` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `templates` ADD `project_id` varchar(36);--> statement-breakpoint
INSERT INTO `projects` (`id`, `slug`, `name`, `description`, `settings`) VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Default', 'Everything created before projects existed.', '{}');--> statement-breakpoint
ALTER TABLE `pipelines` ADD `project_id` varchar(36) NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';--> statement-breakpoint
ALTER TABLE `pipelines` ALTER `project_id` DROP DEFAULT;--> statement-breakpoint
INSERT INTO `memberships` (`project_id`, `user_id`, `role`) SELECT '00000000-0000-4000-8000-000000000001', `id`, CASE WHEN `role` = 'admin' THEN 'owner' ELSE 'developer' END FROM `users`;--> statement-breakpoint
ALTER TABLE `pipelines` ADD CONSTRAINT `pipelines_project_name` UNIQUE(`project_id`,`name`);--> statement-breakpoint
ALTER TABLE `accounts` ADD CONSTRAINT `accounts_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `memberships_project_id_projects_id_fk` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `memberships_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `secrets` ADD CONSTRAINT `secrets_project_id_projects_id_fk` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `secrets` ADD CONSTRAINT `secrets_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `approvals` ADD CONSTRAINT `approvals_task_run_id_task_runs_id_fk` FOREIGN KEY (`task_run_id`) REFERENCES `task_runs`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `approvals` ADD CONSTRAINT `approvals_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `accounts_user` ON `accounts` (`user_id`);--> statement-breakpoint
CREATE INDEX `audit_project_time` ON `audit_events` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `audit_time` ON `audit_events` (`created_at`);--> statement-breakpoint
CREATE INDEX `audit_actor` ON `audit_events` (`actor_id`);--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE INDEX `approvals_task` ON `approvals` (`task_run_id`);--> statement-breakpoint
ALTER TABLE `templates` ADD CONSTRAINT `templates_project_id_projects_id_fk` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `pipelines` ADD CONSTRAINT `pipelines_project_id_projects_id_fk` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `users_email` ON `users` (`email`);