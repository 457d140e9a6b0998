import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { applyDesignToFile } from "./pipeline-file-edit";

/** A file as people write them: comments everywhere, an anchor with two aliases, odd indentation, flow maps, quoting. */
const FILE = `# The team's pipeline. Reviewed by ops.
params:
    -   name: TARGET     # where it goes
        default: 'staging'
defaults: &shell_defaults
   timeout: &shell_defaults_timeout 600
stages:
  # first build, then test
  - name: build
    tasks:
    - name: compile   # keeps its comment
      template: shell
      params: { script: make }
      retries: 1
  - name: test
    tasks:
    - name: unit
      template: shell
      params: {script: "npm test"}   # flow style, quoted
      timeoutSeconds: *shell_defaults_timeout
`;

const designOf = (text: string, change: (spec: Record<string, unknown>) => void) => {
  const spec = parse(text) as Record<string, unknown>;
  change(spec);
  return stringify(spec);
};

type Task = Record<string, unknown>;
const tasks = (spec: Record<string, unknown>, stage: number) => (spec.stages as { tasks: Task[] }[])[stage].tasks;

describe("applyDesignToFile (the designer's change written into a pipeline file)", () => {
  it("changes only the edited value: comments, anchors, aliases, quoting and indentation stay byte for byte", () => {
    const designed = designOf(FILE, (s) => {
      tasks(s, 0)[0].retries = 3;
    });
    const r = applyDesignToFile(FILE, designed);
    expect(r).toEqual({ ok: true, changed: true, text: FILE.replace("retries: 1", "retries: 3") });
  });

  it("adds a task and a key in the file's own style and deletes what the design dropped, keeping the rest", () => {
    const designed = designOf(FILE, (s) => {
      tasks(s, 1).push({ name: "lint", template: "shell", params: { script: "npm run lint" } });
      delete tasks(s, 0)[0].retries;
      s.description = "builds and tests";
    });
    const r = applyDesignToFile(FILE, designed);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(parse(r.text)).toEqual(parse(designed));
    for (const kept of [
      "# The team's pipeline. Reviewed by ops.",
      "    -   name: TARGET     # where it goes",
      "        default: 'staging'",
      "defaults: &shell_defaults",
      "   timeout: &shell_defaults_timeout 600",
      "  # first build, then test",
      "    - name: compile   # keeps its comment",
      '      params: {script: "npm test"}   # flow style, quoted',
      "      timeoutSeconds: *shell_defaults_timeout",
    ])
      expect(r.text).toContain(kept);
    expect(r.text).not.toContain("retries");
    expect(r.text).toMatch(/- name: lint\n\s+template: shell/);
    expect(r.text.trimEnd().endsWith("description: builds and tests")).toBe(true);
  });

  it("keeps an alias while its value is unchanged and replaces only the alias (never its anchor) when the design changes it", () => {
    const same = applyDesignToFile(
      FILE,
      designOf(FILE, () => {}),
    );
    expect(same).toEqual({ ok: true, changed: false, text: FILE });
    const designed = designOf(FILE, (s) => {
      tasks(s, 1)[0].timeoutSeconds = 900;
    });
    const r = applyDesignToFile(FILE, designed);
    expect(r.ok && r.text).toBe(FILE.replace("timeoutSeconds: *shell_defaults_timeout", "timeoutSeconds: 900"));
  });

  it("edits a flow map's value in place", () => {
    const designed = designOf(FILE, (s) => {
      (tasks(s, 0)[0].params as Record<string, string>).script = "make all";
    });
    const r = applyDesignToFile(FILE, designed);
    expect(r.ok && r.text).toBe(FILE.replace("params: { script: make }", "params: { script: make all }"));
  });

  it("never writes Gantry's own keys into the file: name, repository, triggers and source stay as the file has them", () => {
    const designed = designOf(FILE, (s) => {
      s.name = "web";
      s.repository = { url: "https://git.example.test/team/web.git" };
      s.source = { from: "repository", path: ".gantry.yaml" };
    });
    expect(applyDesignToFile(FILE, designed)).toEqual({ ok: true, changed: false, text: FILE });
    const withName = `name: old # the file's own\n${FILE}`;
    expect(applyDesignToFile(withName, designed)).toEqual({ ok: true, changed: false, text: withName });
  });

  it("rewrites a literal block script as a literal block at its own indentation, and a flow list that becomes a map as a flow map, its comment kept", () => {
    const file = `stages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: |\n              make\n              make install\n        env: [A, B]   # two\n`;
    const designed = designOf(file, (s) => {
      const t = tasks(s, 0)[0];
      (t.params as Record<string, string>).script = "make\nmake check\n";
      t.env = { A: "1" };
    });
    const r = applyDesignToFile(file, designed);
    expect(r.ok && r.text).toBe(file.replace("make install\n", "make check\n").replace("env: [A, B]", 'env: { A: "1" }'));
  });

  it("with the text the designer started from, applies only the designer's changes: a newer commit's edits to the file stay", () => {
    const base = FILE;
    const designed = designOf(base, (s) => {
      tasks(s, 0)[0].retries = 2;
    });
    // Since the designer loaded the file, a push added a task to the test stage and a param's default changed.
    const now = FILE.replace("default: 'staging'", "default: 'production'").replace(
      "      timeoutSeconds: *shell_defaults_timeout\n",
      "      timeoutSeconds: *shell_defaults_timeout\n    - name: e2e\n      template: shell\n",
    );
    const r = applyDesignToFile(now, designed, base);
    expect(r.ok && r.text).toBe(now.replace("retries: 1", "retries: 2"));
    // Without the base, the design is taken whole: the newer commit's edits would be undone.
    const whole = applyDesignToFile(now, designed);
    expect(whole.ok && whole.text).not.toContain("name: e2e");
  });

  it("says what is wrong with a file or a design it cannot edit", () => {
    expect(applyDesignToFile("stages: [\n", "stages: []")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/repository is not valid YAML/),
    });
    expect(applyDesignToFile("- a\n", "stages: []")).toEqual({ ok: false, message: "the file in the repository is not a mapping" });
    expect(applyDesignToFile(FILE, "- a\n")).toEqual({ ok: false, message: "the designed pipeline is not a mapping" });
  });
});
