import { saveOptions } from "@/server/http/request";
import { rest } from "@/server/operations/rest";
import { upgradeTemplatesOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(upgradeTemplatesOp, { read: async (req) => ({ baseVersion: saveOptions(req).baseVersion }) });
