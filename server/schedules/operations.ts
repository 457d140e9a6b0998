import { z } from "zod";
import { ScheduleListSchema, ScheduleSchema } from "@/lib/schedule-json";
import { ScheduleBodySchema, ScheduleUpdateSchema } from "@/lib/schedules";
import { scheduleJson } from "../http/schedule-json";
import { byPipeline, defineOperation, pathId } from "../operations/define";
import { createSchedule, deleteSchedule, getSchedule, listSchedules, updateSchedule } from "./schedules";

/** A pipeline's cron schedules. Changes are audited in the same transaction as the change, inside ./schedules.ts. */

const PipelineParams = z.object({ id: pathId("pipeline id") });
const ScheduleParams = PipelineParams.extend({ scheduleId: pathId("schedule id") });
const NOT_FOUND = "No such pipeline or schedule, or one in a project the caller is not a member of";

export const listSchedulesOp = defineOperation({
  name: "schedule.list",
  summary: "The pipeline's schedules, each with its next ticks and the runs its history limits keep listed",
  method: "GET",
  path: "/api/v1/pipelines/{id}/schedules",
  tags: ["schedules"],
  params: PipelineParams,
  output: ScheduleListSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db, clock }, i) => ({ items: (await listSchedules(db, i.id, clock)).map(scheduleJson) }),
});

export const createScheduleOp = defineOperation({
  name: "schedule.create",
  summary: "Add a schedule",
  description: "A bad cron expression or time zone is a 422 naming the field.",
  method: "POST",
  path: "/api/v1/pipelines/{id}/schedules",
  tags: ["schedules"],
  params: PipelineParams,
  body: ScheduleBodySchema,
  output: ScheduleSchema,
  status: 201,
  errors: { 404: NOT_FOUND, 422: "A bad cron expression, time zone or param" },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: async ({ db, actor, project, clock }, i) => scheduleJson(await createSchedule(db, actor, project, i.id, i.body, clock)),
});

export const getScheduleOp = defineOperation({
  name: "schedule.get",
  summary: "One schedule with its next ticks and recent runs",
  method: "GET",
  path: "/api/v1/pipelines/{id}/schedules/{scheduleId}",
  tags: ["schedules"],
  params: ScheduleParams,
  output: ScheduleSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db, clock }, i) => scheduleJson(await getSchedule(db, i.id, i.scheduleId, clock)),
});

export const updateScheduleOp = defineOperation({
  name: "schedule.update",
  summary: "Change any fields: `{suspend: true}` suspends, `{suspend: false}` resumes from the next tick",
  method: "PATCH",
  path: "/api/v1/pipelines/{id}/schedules/{scheduleId}",
  tags: ["schedules"],
  params: ScheduleParams,
  body: ScheduleUpdateSchema,
  output: ScheduleSchema,
  errors: { 404: NOT_FOUND, 422: "A bad cron expression, time zone or param" },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: async ({ db, actor, project, clock }, i) =>
    scheduleJson(await updateSchedule(db, actor, project, i.id, i.scheduleId, i.body, clock)),
});

export const deleteScheduleOp = defineOperation({
  name: "schedule.delete",
  summary: "Delete the schedule; the runs it started stay",
  method: "DELETE",
  path: "/api/v1/pipelines/{id}/schedules/{scheduleId}",
  tags: ["schedules"],
  params: ScheduleParams,
  status: 204,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "pipeline.edit", project: byPipeline("id") },
  run: ({ db, actor, project }, i) => deleteSchedule(db, actor, project, i.id, i.scheduleId),
});

export const scheduleOperations = [listSchedulesOp, createScheduleOp, getScheduleOp, updateScheduleOp, deleteScheduleOp];
