import * as S from "@/lib/api-schemas";
import { visibleProjectIds } from "../authz/authz";
import { byOptionalProject, defineOperation } from "../operations/define";
import { searchLogs } from "./search";
import { elasticsearchStore } from "./select";

/** Searching logs across runs; a single task run's log is a run operation (server/runs/operations.ts). */

export const searchLogsOp = defineOperation({
  name: "logs.search",
  summary: "Search the logs of the runs the caller may see",
  description:
    '`q`: words (all must match, any order) and "quoted phrases" (words in that order), case-insensitive. ' +
    "With Elasticsearch: full-text, best matches first, `highlights` mark the matched words. With the MySQL log store: every word and " +
    "phrase must occur as typed in the line (substrings), newest lines first, scanning the 2,000 most recent matching chunks. " +
    "Each hit's `url` opens the run with the task's log scrolled to the line.",
  method: "GET",
  path: "/api/v1/logs/search",
  tags: ["logs"],
  query: S.LogSearchQuerySchema,
  output: S.LogSearchResultSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "project.view", project: byOptionalProject("project") },
  run: async ({ db, actor, access }, q) =>
    searchLogs(db, elasticsearchStore(db), { ...q, projectId: access?.projectId, visibleProjectIds: await visibleProjectIds(db, actor) }),
});

export const logOperations = [searchLogsOp];
