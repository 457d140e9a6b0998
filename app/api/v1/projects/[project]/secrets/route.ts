import { rest } from "@/server/operations/rest";
import { listSecretsOp } from "@/server/secrets/operations";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listSecretsOp);
