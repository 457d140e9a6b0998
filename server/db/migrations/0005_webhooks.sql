CREATE TABLE `webhook_deliveries` (
	`id` varchar(36) NOT NULL,
	`pipeline_id` varchar(36) NOT NULL,
	`provider` varchar(16) NOT NULL,
	`delivery_id` varchar(200) NOT NULL,
	`event` varchar(64),
	`headers` json NOT NULL,
	`payload` longtext NOT NULL,
	`result` varchar(16) NOT NULL,
	`message` varchar(1000),
	`run_id` varchar(36),
	`replay_of` varchar(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhook_deliveries_id` PRIMARY KEY(`id`),
	CONSTRAINT `webhook_deliveries_dedupe` UNIQUE(`pipeline_id`,`provider`,`delivery_id`)
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `event` json;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_pipeline_id_pipelines_id_fk` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_run_id_runs_id_fk` FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_pipeline_time` ON `webhook_deliveries` (`pipeline_id`,`created_at`);