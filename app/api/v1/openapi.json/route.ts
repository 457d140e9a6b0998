import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { openApiDocument } from "@/server/http/openapi";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

let doc: ReturnType<typeof openApiDocument> | undefined;

/** The OpenAPI 3.1 document of this API (generated from the same schemas the handlers use). */
export const GET = api(async (req) => {
  await authorize(req);
  doc ??= openApiDocument();
  return json(doc);
});
