ALTER TABLE `pipeline_versions` ADD `commit` json;--> statement-breakpoint
ALTER TABLE `runs` ADD `errors` json;