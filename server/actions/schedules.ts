"use server";

import type { z } from "zod";
import type { ScheduleBodySchema, ScheduleUpdateSchema } from "@/lib/schedules";
import { callAs } from "../operations/call";
import { createScheduleOp, deleteScheduleOp, listSchedulesOp, updateScheduleOp } from "../schedules/operations";
import { action } from "./result";

/** The Schedules tab's calls; the same declared operations as /api/v1/pipelines/{id}/schedules. */
export async function listSchedulesAction(pipelineId: string) {
  return action("listSchedules", async (actor) => (await callAs(actor, listSchedulesOp, { id: pipelineId })).items);
}

export async function createScheduleAction(pipelineId: string, body: z.input<typeof ScheduleBodySchema>) {
  return action("createSchedule", async (actor) => callAs(actor, createScheduleOp, { id: pipelineId, body }));
}

export async function updateScheduleAction(pipelineId: string, scheduleId: string, patch: z.input<typeof ScheduleUpdateSchema>) {
  return action("updateSchedule", async (actor) => callAs(actor, updateScheduleOp, { id: pipelineId, scheduleId, body: patch }));
}

export async function deleteScheduleAction(pipelineId: string, scheduleId: string) {
  return action("deleteSchedule", async (actor) => {
    await callAs(actor, deleteScheduleOp, { id: pipelineId, scheduleId });
    return { ok: true };
  });
}
