import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseSpecText } from "../parse-spec";
import { apply } from "./apply";
import type { PipelineDoc } from "./types";

/** A task's `secrets` (project secret names) survives every designer edit and the YAML round trip. */
describe("task secrets in the designer", () => {
  const doc = (): PipelineDoc => ({
    name: "deploy",
    stages: [{ name: "ship", tasks: [{ name: "push", template: "shell", params: { script: "push" }, secrets: ["REGISTRY_TOKEN"] }] }],
  });

  it("keeps the field through edits, moves and duplication", () => {
    let d = apply(doc(), { type: "updateTask", task: { stage: 0, index: 0 }, patch: { params: { script: "push --all" }, retries: 2 } });
    d = apply(d, { type: "updateTask", task: { stage: 0, index: 0 }, patch: { name: "push-image" } });
    d = apply(d, { type: "rename", stage: 0, name: "release" });
    d = apply(d, { type: "duplicateTask", task: { stage: 0, index: 0 } });
    for (const t of d.stages[0].tasks) expect(t.secrets).toEqual(["REGISTRY_TOKEN"]);
    const r = parseSpecText(stringify(d));
    expect(r.ok && r.spec.stages[0].tasks.map((t) => t.secrets)).toEqual([["REGISTRY_TOKEN"], ["REGISTRY_TOKEN"]]);
  });
});

/** The repository's credentials: names of project secrets set from the pipeline settings, kept by the YAML round trip. */
describe("repository credentials in the designer", () => {
  const doc = (): PipelineDoc => ({
    name: "web",
    stages: [{ name: "build", tasks: [{ name: "make", template: "shell", params: { script: "make" } }] }],
  });

  it("sets, merges and clears them field by field, dropping the block when nothing is left", () => {
    let d = apply(doc(), { type: "setRepository", patch: { url: "https://github.com/acme/web.git" } });
    d = apply(d, { type: "setRepository", patch: { credentials: { secret: "GIT_TOKEN" } } });
    d = apply(d, { type: "setRepository", patch: { credentials: { username: "bot" } } });
    expect(d.repository).toEqual({ url: "https://github.com/acme/web.git", credentials: { secret: "GIT_TOKEN", username: "bot" } });
    d = apply(d, { type: "setRepository", patch: { revision: "main" } });
    expect(d.repository?.credentials).toEqual({ secret: "GIT_TOKEN", username: "bot" });
    d = apply(d, { type: "setRepository", patch: { credentials: { username: "" } } });
    expect(d.repository?.credentials).toEqual({ secret: "GIT_TOKEN" });
    const r = parseSpecText(stringify(d));
    expect(r.ok && r.spec.repository).toEqual({
      url: "https://github.com/acme/web.git",
      revision: "main",
      dir: "src",
      credentials: { secret: "GIT_TOKEN" },
    });
    d = apply(d, { type: "setRepository", patch: { credentials: { secret: "" } } });
    expect(d.repository).toEqual({ url: "https://github.com/acme/web.git", revision: "main" });
    d = apply(d, {
      type: "setRepository",
      patch: { url: "git@github.com:acme/web.git", credentials: { sshKey: "DEPLOY_KEY", knownHosts: "HOSTS" } },
    });
    expect(apply(d, { type: "setRepository", patch: { credentials: null } }).repository).toEqual({
      url: "git@github.com:acme/web.git",
      revision: "main",
    });
    const ssh = parseSpecText(stringify(d));
    expect(ssh.ok && ssh.spec.repository?.credentials).toEqual({ sshKey: "DEPLOY_KEY", knownHosts: "HOSTS" });
  });
});
