import type { AnyOperation } from "./define";
import { analyticsOperations } from "../analytics/operations";
import { artifactOperations } from "../artifacts/operations";
import { auditOperations } from "../audit/operations";
import { badgeOperations } from "../badges/operations";
import { authOperations } from "../auth/operations";
import { hookOperations } from "../hooks/operations";
import { logOperations } from "../logs/operations";
import { pipelineOperations } from "../pipelines/operations";
import { projectOperations } from "../projects/operations";
import { reportOperations } from "../reports/operations";
import { runOperations } from "../runs/operations";
import { scheduleOperations } from "../schedules/operations";
import { secretOperations } from "../secrets/operations";
import { templateOperations } from "../templates/operations";
import { triageOperations } from "../triage/operations";

/** Every declared operation, in the order the OpenAPI document lists them (its own is added there). */
export const operations: AnyOperation[] = [
  ...projectOperations,
  ...secretOperations,
  ...templateOperations,
  ...pipelineOperations,
  ...badgeOperations,
  ...scheduleOperations,
  ...runOperations,
  ...triageOperations,
  ...reportOperations,
  ...artifactOperations,
  ...hookOperations,
  ...analyticsOperations,
  ...logOperations,
  ...auditOperations,
  ...authOperations,
];
