"use server";

import { z } from "zod";
import { ScheduleBodySchema, ScheduleUpdateSchema } from "@/lib/schedules";
import { getDb } from "../db/client";
import { scheduleJson } from "../http/schedule-json";
import { createScheduleAs, deleteScheduleAs, listSchedules, updateScheduleAs } from "../schedules/schedules";
import { action } from "./result";

const Id = z.string().min(1).max(64);

/** The Schedules tab's calls; same bodies and rules as /api/v1/pipelines/{id}/schedules. */
export async function listSchedulesAction(pipelineId: string) {
  return action("listSchedules", async (actor) => (await listSchedules(getDb(), actor, Id.parse(pipelineId))).map(scheduleJson));
}

export async function createScheduleAction(pipelineId: string, body: z.input<typeof ScheduleBodySchema>) {
  return action("createSchedule", async (actor) => scheduleJson(await createScheduleAs(getDb(), actor, Id.parse(pipelineId), ScheduleBodySchema.parse(body))));
}

export async function updateScheduleAction(pipelineId: string, scheduleId: string, patch: z.input<typeof ScheduleUpdateSchema>) {
  return action("updateSchedule", async (actor) =>
    scheduleJson(await updateScheduleAs(getDb(), actor, Id.parse(pipelineId), Id.parse(scheduleId), ScheduleUpdateSchema.parse(patch))),
  );
}

export async function deleteScheduleAction(pipelineId: string, scheduleId: string) {
  return action("deleteSchedule", async (actor) => {
    await deleteScheduleAs(getDb(), actor, Id.parse(pipelineId), Id.parse(scheduleId));
    return { ok: true };
  });
}
