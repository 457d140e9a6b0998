ALTER TABLE `templates` ADD `created_by` varchar(36);--> statement-breakpoint
ALTER TABLE `pipeline_versions` ADD `templates` json;--> statement-breakpoint
ALTER TABLE `templates` ADD CONSTRAINT `templates_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;