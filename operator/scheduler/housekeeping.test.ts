import { describe, expect, it } from "vitest";
import { Housekeeping, type HousekeepingJob } from "./housekeeping";

function table(over: Partial<Record<string, Partial<HousekeepingJob>>> = {}) {
  const ran: string[] = [];
  const job = (name: string, every: number): HousekeepingJob => ({ name, every, run: () => void ran.push(name), ...over[name] });
  return { ran, hk: new Housekeeping([job("always", 0), job("often", 1000), job("seldom", 60_000)]) };
}

describe("housekeeping jobs", () => {
  it("runs every job at the first tick, in table order", async () => {
    const { ran, hk } = table();
    await hk.tick(0);
    expect(ran).toEqual(["always", "often", "seldom"]);
  });

  it("runs a job again once its period has passed, and an every-tick job at every tick", async () => {
    const { ran, hk } = table();
    await hk.tick(0);
    ran.length = 0;
    await hk.tick(999);
    expect(ran).toEqual(["always"]);
    ran.length = 0;
    await hk.tick(1000);
    expect(ran).toEqual(["always", "often"]);
  });

  it("waits a full period after a job was counted as run (the first sweep after the start)", async () => {
    const { ran, hk } = table();
    hk.ranAt("seldom", 5000);
    await hk.tick(6000);
    expect(ran).not.toContain("seldom");
    await hk.tick(65_000);
    expect(ran).toContain("seldom");
  });

  it("skips a job while its condition does not hold", async () => {
    let running = false;
    const { ran, hk } = table({ often: { when: () => running } });
    await hk.tick(0);
    expect(ran).not.toContain("often");
    running = true;
    await hk.tick(1);
    expect(ran).toContain("often");
  });

  it("ends the tick at a failing job, which is due again at the next tick", async () => {
    let fail = true;
    const { ran, hk } = table({
      often: {
        run: () => {
          if (fail) throw new Error("database unreachable");
          ran.push("often");
        },
      },
    });
    await expect(hk.tick(0)).rejects.toThrow("database unreachable");
    expect(ran).toEqual(["always"]);
    fail = false;
    await hk.tick(1);
    expect(ran).toEqual(["always", "always", "often", "seldom"]);
  });
});
