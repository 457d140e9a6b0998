import { ScheduleBodySchema } from "@/lib/schedules";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { scheduleJson } from "@/server/http/schedule-json";
import { createScheduleAs, listSchedules } from "@/server/schedules/schedules";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline's schedules, each with its next ticks and the runs its history limits keep listed. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  return json({ items: (await listSchedules(getDb(), actor, id)).map(scheduleJson) });
});

/** Adds a schedule (pipeline.edit; audited). Bad cron or time zone: 422 naming the field. */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const body = ScheduleBodySchema.parse((await readBody(req)).value ?? {});
  const s = await createScheduleAs(getDb(), actor, id, body);
  return json(scheduleJson(s), 201, { location: `/api/v1/pipelines/${id}/schedules/${s.id}` });
});
