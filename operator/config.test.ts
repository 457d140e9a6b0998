import path from "node:path";
import { describe, expect, it } from "vitest";
import { operatorConfig } from "./config";

const cfg = (env: Record<string, string>) => operatorConfig(env as unknown as NodeJS.ProcessEnv);

describe("operator settings for Kubernetes mode", () => {
  it("runs tasks locally unless told otherwise", () => {
    const c = cfg({});
    expect(c.GANTRY_EXECUTOR).toBe("local");
    expect(c.GANTRY_NAMESPACE).toBe("gantry");
    expect(c.GANTRY_LEADER_ELECTION).toBe(true);
  });

  it("reads which task env values become pod annotations", () => {
    const c = cfg({
      GANTRY_EXECUTOR: "kubernetes",
      GANTRY_POD_ANNOTATIONS_FROM_ENV: "KWOK_DURATION=gantry.dev/kwok-duration, KWOK_EXIT_CODE=gantry.dev/kwok-exit-code",
    });
    expect(c.GANTRY_POD_ANNOTATIONS_FROM_ENV).toEqual({
      KWOK_DURATION: "gantry.dev/kwok-duration",
      KWOK_EXIT_CODE: "gantry.dev/kwok-exit-code",
    });
  });

  it("refuses a namespace that is not a DNS label and a malformed annotation list, naming the setting", () => {
    expect(() => cfg({ GANTRY_NAMESPACE: "Not_A_Namespace" })).toThrow(/GANTRY_NAMESPACE/);
    expect(() => cfg({ GANTRY_POD_ANNOTATIONS_FROM_ENV: "oops" })).toThrow(/GANTRY_POD_ANNOTATIONS_FROM_ENV/);
  });
});

describe("operator settings for the local executor", () => {
  it("keeps the pipelines' build caches in .gantry/cache unless GANTRY_CACHE_DIR says where", () => {
    expect(cfg({}).cacheDir).toBe(path.resolve(".gantry/cache"));
    expect(cfg({ GANTRY_CACHE_DIR: "/var/cache/gantry" }).cacheDir).toBe("/var/cache/gantry");
    expect(() => cfg({ GANTRY_CACHE_DIR: "" })).toThrow(/GANTRY_CACHE_DIR/);
  });
});
