import { StageSpecSchema, type PipelineSpec, type StageSpec } from "@/lib/pipeline-spec";

/**
 * Pull requests from forks (docs/webhooks.md#forks): their code is anyone's, so their runs wait
 * for a maintainer first. A run whose event says `fork` gets a first stage holding one approval
 * gate; until a maintainer approves it no task runs — none sees a project secret or a secret
 * param — and a denial ends the run. Each push to the fork is a new run with its own gate, and a
 * re-run asks again (server/runs/rerun.ts never skips it).
 */

export const FORK_STAGE = "fork-approval";
export const FORK_GATE_TASK = "approve-fork-run";
/** How long the gate waits before the run fails: a week, as a contributor may wait for review. */
const FORK_GATE_MINUTES = 7 * 24 * 60;

interface ForkEvent {
  fork?: boolean | null;
  mrIid?: number | null;
  title?: string | null;
  author?: string | null;
}

/** The spec with the fork gate stage first, when the event is a pull request from a fork. */
export function withForkGate(spec: PipelineSpec, event: ForkEvent | null | undefined): { spec: PipelineSpec; gate: StageSpec | null } {
  if (event?.fork !== true) return { spec, gate: null };
  const pr = event.mrIid != null ? `Pull request #${event.mrIid}` : "This pull request";
  const by = event.author ? ` by ${event.author}` : "";
  const title = event.title ? ` ("${event.title.slice(0, 200)}")` : "";
  const gate = StageSpecSchema.parse({
    name: FORK_STAGE,
    tasks: [
      {
        name: FORK_GATE_TASK,
        template: "manual-approval",
        params: {
          approvers: ["role:maintainer"],
          requiredApprovals: 1,
          timeoutMinutes: FORK_GATE_MINUTES,
          onTimeout: "fail",
          instructions:
            `${pr}${title}${by} comes from a fork: its code has not been reviewed here. ` +
            "Read the change, then approve to run it with the project's secrets, or deny to stop the run.",
        },
      },
    ],
  });
  return { spec: { ...spec, stages: [gate, ...spec.stages] }, gate };
}
