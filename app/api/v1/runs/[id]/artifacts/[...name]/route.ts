import { downloadArtifactOp, uploadArtifactOp } from "@/server/artifacts/operations";
import { downloadHeaders } from "@/server/artifacts/keys";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(downloadArtifactOp, { respond: (o) => new Response(o.body, { headers: downloadHeaders(o.artifact) }) });
// The body is streamed to the store, not read into memory under the JSON size limit.
export const PUT = rest(uploadArtifactOp, { read: async (req) => ({ body: req.body }) });
