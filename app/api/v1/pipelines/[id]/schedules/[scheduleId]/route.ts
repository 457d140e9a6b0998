import { rest } from "@/server/operations/rest";
import { deleteScheduleOp, getScheduleOp, updateScheduleOp } from "@/server/schedules/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(getScheduleOp);
export const PATCH = rest(updateScheduleOp);
export const DELETE = rest(deleteScheduleOp);
