import { listArtifactsOp } from "@/server/artifacts/operations";
import { rest } from "@/server/operations/rest";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = rest(listArtifactsOp);
