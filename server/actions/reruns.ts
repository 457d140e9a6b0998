"use server";

import type { z } from "zod";
import type { RerunBodySchema } from "@/lib/api-schemas";
import { callAs } from "../operations/call";
import { rerunOp } from "../runs/operations";
import { action } from "./result";

/** The run page's re-run buttons; same body and rules as POST /api/v1/runs/{id}/rerun. */
export async function rerunAction(runId: string, body: z.input<typeof RerunBodySchema>) {
  return action("rerun", async (actor) => {
    const { pipelineId: _audited, ...run } = await callAs(actor, rerunOp, { id: runId, body });
    return run;
  });
}
