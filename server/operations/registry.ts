import type { Operation } from "./define";
import { hookOperations } from "../hooks/operations";
import { runOperations } from "../runs/operations";

/** Every declared operation, in the order the OpenAPI document lists them. */
export const operations: Operation[] = [...runOperations, ...hookOperations];
