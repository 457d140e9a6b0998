import { describe, expect, it } from "vitest";
import { AppError } from "./errors";
import {
  ACTIVE_STATUSES,
  assertTransition,
  BROKEN_STATUSES,
  canTransition,
  FINAL_STATUSES,
  isFinal,
  RUN_STATUSES,
  TRANSITIONS,
} from "./status";

describe("run status transitions", () => {
  it("lets a queued task start, be skipped, cancelled or fail before it starts", () => {
    for (const to of ["running", "skipped", "cancelled", "failed"] as const)
      expect(canTransition("queued", to), `queued → ${to}`).toBe(true);
  });

  it("lets a running task end in every way a task can end", () => {
    for (const to of ["succeeded", "failed", "cancelled"] as const) expect(canTransition("running", to), `running → ${to}`).toBe(true);
  });

  it("never leaves a final status: a finished run cannot be restarted or re-finished", () => {
    for (const from of FINAL_STATUSES) {
      expect(TRANSITIONS[from], `${from} has outgoing transitions`).toEqual([]);
      for (const to of RUN_STATUSES) if (to !== from) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it("does not let a task succeed or be skipped without having run", () => {
    expect(canTransition("queued", "succeeded")).toBe(false);
    expect(canTransition("running", "skipped")).toBe(false);
  });

  it("treats staying in the same status as allowed (a retry bumps the attempt while running)", () => {
    for (const s of RUN_STATUSES) expect(canTransition(s, s)).toBe(true);
  });

  it("only lists known statuses as targets", () => {
    for (const [from, tos] of Object.entries(TRANSITIONS)) for (const to of tos) expect(RUN_STATUSES, `${from} → ${to}`).toContain(to);
  });

  it("calls exactly succeeded, failed, cancelled and skipped final", () => {
    expect(RUN_STATUSES.filter(isFinal).sort()).toEqual(["cancelled", "failed", "skipped", "succeeded"]);
  });

  it("refuses a transition the table does not allow with a conflict that names what and both ends", () => {
    expect(() => assertTransition("task run t1", "queued", "running")).not.toThrow();
    const e = (() => {
      try {
        assertTransition("task run t1", "succeeded", "running");
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: "conflict", message: "task run t1 cannot go from succeeded to running" });
  });

  it("splits every status into active or final, and counts only failed and cancelled as broken", () => {
    expect([...ACTIVE_STATUSES, ...FINAL_STATUSES].sort()).toEqual([...RUN_STATUSES].sort());
    expect(BROKEN_STATUSES.every(isFinal)).toBe(true);
    expect([...BROKEN_STATUSES].sort()).toEqual(["cancelled", "failed"]);
  });
});
