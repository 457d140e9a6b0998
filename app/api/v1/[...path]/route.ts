import { AppError } from "@/lib/errors";
import { api } from "@/server/http/handler";

/** Unknown API paths answer in the API's error format rather than with the HTML 404 page. */
export const dynamic = "force-dynamic";

const unknown = api<{ path: string[] }>(async (req) => {
  throw new AppError("not_found", `no API endpoint ${req.method} ${new URL(req.url).pathname}; see /api/v1/openapi.json`);
});
export { unknown as GET, unknown as POST, unknown as PUT, unknown as PATCH, unknown as DELETE };
