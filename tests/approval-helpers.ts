import { call, get, testEnv } from "./api-helpers";

/** Pipelines with a manual-approval gate, and waiting for the gate, for the approval suites. */

export function gateSpec(name: string, params: Record<string, unknown>) {
  return {
    name,
    stages: [
      { name: "approve", tasks: [{ name: "gate", template: "manual-approval", params }] },
      { name: "after", tasks: [{ name: "work", template: "shell", params: { script: "echo the gate let us through" } }] },
    ],
  };
}

export async function createGatePipeline(project: string, name: string, params: Record<string, unknown>): Promise<string> {
  const r = await call("POST", `/api/v1/pipelines?project=${project}`, { body: gateSpec(name, params) });
  if (r.status !== 201) throw new Error(`creating the gate pipeline: ${r.status} ${r.text}`);
  return r.body.id;
}

export function gateOf(run: any) {
  return run.stages[0].tasks[0];
}

/** Starts a run (as the site admin) and waits until its gate waits; returns the run and the gate's task run id. */
export async function startGatedRun(pipelineId: string, timeoutMs = 20_000): Promise<{ runId: string; gateId: string; run: any }> {
  const r = await call("POST", `/api/v1/pipelines/${pipelineId}/runs`, { body: {} });
  if (r.status !== 201) throw new Error(`starting the run: ${r.status} ${r.text}`);
  const runId = r.body.id;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get(`/api/v1/runs/${runId}`);
    if (v.status === 200 && gateOf(v.body).status === "waiting" && v.body.status === "waiting")
      return { runId, gateId: gateOf(v.body).id, run: v.body };
    if (Date.now() > deadline) throw new Error(`the gate of run ${runId} did not start waiting: ${v.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export function decide(gateId: string, token: string, decision: "approve" | "deny", comment?: string) {
  return call("POST", `/api/v1/task-runs/${gateId}/approval`, { token, body: { decision, ...(comment ? { comment } : {}) } });
}

/** Waits for the fork gate of a pull request's run (server/runs/fork-gate.ts) and approves it as the site admin. */
export async function approveForkGate(runId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get(`/api/v1/runs/${runId}`);
    const gate = v.body?.stages?.[0]?.tasks?.find((t: { name: string }) => t.name === "approve-fork-run");
    if (gate?.status === "waiting") {
      const r = await decide(gate.id, testEnv().token, "approve");
      if (r.status !== 200) throw new Error(`approving the fork gate of run ${runId}: ${r.status} ${r.text}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} has no waiting fork gate: ${v.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
