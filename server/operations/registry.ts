import type { Operation } from "./define";
import { analyticsOperations } from "../analytics/operations";
import { auditOperations } from "../audit/operations";
import { hookOperations } from "../hooks/operations";
import { logOperations } from "../logs/operations";
import { pipelineOperations } from "../pipelines/operations";
import { runOperations } from "../runs/operations";

/** Every declared operation, in the order the OpenAPI document lists them. */
export const operations: Operation[] = [...pipelineOperations, ...runOperations, ...hookOperations, ...analyticsOperations, ...logOperations, ...auditOperations];
