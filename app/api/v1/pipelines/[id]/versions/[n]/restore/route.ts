import { saveOptions } from "@/server/http/request";
import { rest } from "@/server/operations/rest";
import { restoreVersionOp } from "@/server/pipelines/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = rest(restoreVersionOp, {
  read: async (req) => ({ baseVersion: saveOptions(req).baseVersion }),
  headers: (r) => ({ etag: `"${r.version}"` }),
});
