import type { PipelineSpecInput } from "@/lib/pipeline-spec";

/**
 * The designer edits the pipeline as the user wrote it (the zod *input* shape), so fields the
 * user left out stay out of the YAML instead of coming back as defaults.
 */
export type PipelineDoc = PipelineSpecInput;
export type StageDoc = PipelineDoc["stages"][number];
export type TaskDoc = StageDoc["tasks"][number];
export type StageMode = "sequential" | "parallel";

/** Where a task sits: a stage (by index), or the pipeline's `finally` list. */
export type TaskPlace = number | "finally";

/** A task by position: its place and its index there. */
export interface TaskRef {
  stage: TaskPlace;
  index: number;
}

/** Thrown by an operation whose target does not exist; callers treat it as a no-op. */
export class OperationError extends Error {
  readonly code = "invalid_operation";
}
