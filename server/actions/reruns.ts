"use server";

import { z } from "zod";
import { RerunBodySchema } from "@/lib/api-schemas";
import { getDb } from "../db/client";
import { rerunAs } from "../runs/commands";
import { action } from "./result";

/** The run page's re-run buttons; same body and rules as POST /api/v1/runs/{id}/rerun. */
export async function rerunAction(runId: string, body: z.input<typeof RerunBodySchema>) {
  return action("rerun", async (actor) => rerunAs(getDb(), actor, z.string().min(1).max(64).parse(runId), RerunBodySchema.parse(body)));
}
