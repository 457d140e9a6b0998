import { describe, expect, it } from "vitest";
import { exitMessage } from "./exit-message";

describe("exit message of a task", () => {
  it("is empty for success", () => {
    expect(exitMessage(0, null)).toBe("");
  });
  it("names the exit code", () => {
    expect(exitMessage(3, null)).toBe("exit code 3");
  });
  it("explains the shell's 'command not found' code", () => {
    expect(exitMessage(127, null)).toMatch(/command not found/);
  });
  it("names the signal when the process was killed", () => {
    expect(exitMessage(null, "SIGKILL")).toBe("killed by SIGKILL");
  });
});
