import type { PipelineSpec } from "../pipeline-spec";

/**
 * Which stages and tasks differ between two pipeline specs, by name (task names are unique in a
 * pipeline), for highlighting nodes on the graph diff. Pure.
 */
export interface SpecDiff {
  stages: { added: string[]; removed: string[]; changed: string[] };
  /** `changed`: same name, different template, params, env, timeout or retries, or moved to another stage. */
  tasks: { added: string[]; removed: string[]; changed: string[] };
  /** Pipeline-level fields (name, description, params…) that differ. */
  pipeline: string[];
  same: boolean;
}

type Spec = Pick<PipelineSpec, "stages"> & Record<string, unknown>;

/** JSON with sorted keys, so key order never counts as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export function diffSpecs(a: Spec, b: Spec): SpecDiff {
  const tasksOf = (s: Spec) => {
    const m = new Map<string, { stage: string; body: string }>();
    for (const st of s.stages) for (const t of st.tasks) m.set(t.name, { stage: st.name, body: canonical(t) });
    return m;
  };
  const ta = tasksOf(a);
  const tb = tasksOf(b);
  const tasks = {
    added: [...tb.keys()].filter((n) => !ta.has(n)),
    removed: [...ta.keys()].filter((n) => !tb.has(n)),
    changed: [...tb]
      .filter(([n, now]) => {
        const was = ta.get(n);
        return was !== undefined && (was.body !== now.body || was.stage !== now.stage);
      })
      .map(([n]) => n),
  };
  const sa = new Map(a.stages.map((s) => [s.name, s]));
  const sb = new Map(b.stages.map((s) => [s.name, s]));
  const shape = (s: Spec["stages"][number]) => canonical({ mode: s.mode, tasks: s.tasks.map((t) => t.name), ...stageExtras(s) });
  const stages = {
    added: [...sb.keys()].filter((n) => !sa.has(n)),
    removed: [...sa.keys()].filter((n) => !sb.has(n)),
    changed: [...sb]
      .filter(([n, now]) => {
        const was = sa.get(n);
        return was !== undefined && shape(was) !== shape(now);
      })
      .map(([n]) => n),
  };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => k !== "stages"));
  const pipeline = [...keys].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
  const same =
    pipeline.length === 0 &&
    [tasks, stages].every((d) => d.added.length + d.removed.length + d.changed.length === 0) &&
    canonical(a.stages.map((s) => s.name)) === canonical(b.stages.map((s) => s.name));
  return { stages, tasks, pipeline, same };
}

/** Stage fields other than name, mode and tasks (future ones count as changes too). */
function stageExtras(s: Record<string, unknown>) {
  const { name: _n, mode: _m, tasks: _t, ...rest } = s;
  return rest;
}
