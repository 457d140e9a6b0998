ALTER TABLE `runs` ADD `pending_start` json;--> statement-breakpoint
ALTER TABLE `runs` ADD `resolving_by` varchar(100);--> statement-breakpoint
ALTER TABLE `runs` ADD `resolving_at` datetime(3);