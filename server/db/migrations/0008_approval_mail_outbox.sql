ALTER TABLE `task_runs` ADD `notified_at` datetime(3);--> statement-breakpoint
ALTER TABLE `notification_outbox` ADD `task_run_id` varchar(36);--> statement-breakpoint
UPDATE `task_runs` SET `notified_at` = CURRENT_TIMESTAMP(3), `executor_ref` = NULL WHERE `executor_ref` = 'gate:notified';
