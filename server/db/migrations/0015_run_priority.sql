ALTER TABLE `runs` ADD `priority` int DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_queue` ON `runs` (`status`,`priority`,`created_at`);