ALTER TABLE `task_runs` MODIFY COLUMN `name` varchar(255) NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `cancel_requested_at` datetime(3);