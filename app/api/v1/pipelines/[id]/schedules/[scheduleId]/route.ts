import { ScheduleUpdateSchema } from "@/lib/schedules";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { scheduleJson } from "@/server/http/schedule-json";
import { deleteScheduleAs, getSchedule, updateScheduleAs } from "@/server/schedules/schedules";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type P = { id: string; scheduleId: string };

export const GET = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id, scheduleId } = await params;
  return json(scheduleJson(await getSchedule(getDb(), actor, id, scheduleId)));
});

/** Changes any fields: `{suspend: true}` suspends, `{suspend: false}` resumes from the next tick. */
export const PATCH = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id, scheduleId } = await params;
  const patch = ScheduleUpdateSchema.parse((await readBody(req)).value ?? {});
  return json(scheduleJson(await updateScheduleAs(getDb(), actor, id, scheduleId, patch)));
});

/** Deletes the schedule; the runs it started stay. */
export const DELETE = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id, scheduleId } = await params;
  await deleteScheduleAs(getDb(), actor, id, scheduleId);
  return new Response(null, { status: 204 });
});
