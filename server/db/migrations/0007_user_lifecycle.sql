ALTER TABLE `users` ADD `last_sign_in_at` datetime(3);--> statement-breakpoint
ALTER TABLE `users` ADD `deleted_at` datetime(3);