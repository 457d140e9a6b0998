import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createPipeline, get, put, startRun, uniqueName, waitForRun } from "../api-helpers";

/**
 * Secrets a task prints in ways that dodge a plain text match: a multi-line value (whose lines may
 * be short) and a value with a terminal escape sequence inside it. The stored log, read back
 * through the REST log API, must show neither.
 */

const token = `tok-${randomBytes(8).toString("hex")}`;
const multi = `ml-${randomBytes(6).toString("hex")}\nq7z\n${randomBytes(6).toString("hex")}-end`;
const TOKEN = `MASK_TOK_${randomBytes(3).toString("hex").toUpperCase()}`;
const MULTI = `MASK_MULTI_${randomBytes(3).toString("hex").toUpperCase()}`;

beforeAll(async () => {
  expect((await put(`/api/v1/projects/default/secrets/${TOKEN}`, { value: token })).status).toBeLessThan(300);
  expect((await put(`/api/v1/projects/default/secrets/${MULTI}`, { value: multi })).status).toBeLessThan(300);
});

describe("masking in the stored log", () => {
  it("hides a multi-line secret and one with \\e[1m inside it", async () => {
    const script = [
      `a=$(printf '%s' "$${TOKEN}" | cut -c1-6); b=$(printf '%s' "$${TOKEN}" | cut -c7-)`,
      `printf 'bold: %s\\033[1m%s\\033[0m!\\n' "$a" "$b"`,
      `printf 'colours: \\033[31m%s\\033[32m%s\\n' "$a" "$b"`,
      `printf '%s\\n' "$${MULTI}"`,
      `echo "inline: $${MULTI}"`,
      `echo done`,
    ].join("\n");
    const id = await createPipeline({
      name: uniqueName("mask-esc"),
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script }, secrets: [TOKEN, MULTI] }] }],
    });
    const run = await waitForRun(await startRun(id));
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const log = await get(`/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`, { headers: { accept: "text/plain" } });
    expect(log.status).toBe(200);
    expect(log.text).toContain("done");
    // eslint-disable-next-line no-control-regex -- ESC starts the terminal sequences this strips: matching it is the point
    const plain = log.text.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "");
    expect(plain).not.toContain(token);
    for (const line of multi.split("\n"))
      expect(
        plain.split("\n").map((l) => l.trim()),
        `the secret's line '${line}'`,
      ).not.toContain(line);
    for (const line of multi.split("\n"))
      expect(plain, `the secret's line '${line}'`).not.toContain(line.length >= 8 ? line : `\n${line}\n`);
    expect(plain).toContain("bold: ***");
    expect(plain).toContain("colours: ***");
  });
});
