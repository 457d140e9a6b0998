import { rest } from "@/server/operations/rest";
import { createScheduleOp, listSchedulesOp } from "@/server/schedules/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listSchedulesOp);
export const POST = rest(createScheduleOp, { headers: (s, i) => ({ location: `/api/v1/pipelines/${i.id}/schedules/${s.id}` }) });
