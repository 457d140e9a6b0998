import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskPlan } from "@/lib/plan";
import { createRun } from "@/server/runs/create-run";
import type { RunView } from "@/server/runs/queries";
import {
  createTestDatabase,
  createTestPipeline,
  logText,
  startInProcessOperator,
  taskOf,
  waitForRunEnd,
  type TestDatabase,
} from "./executor-helpers";
import { startTestSmtp, type TestSmtp } from "./smtp-helpers";
import { recording, startReplay, type Exchange } from "./vendor-replay";

/**
 * The templates that talk to outside services, run for real: compiled by Gantry like any run
 * (params, `{{ }}` values and secret params through the plan) and executed by the local executor
 * in its sandbox with the template's own command (sh, curl). notify talks to real receivers on
 * loopback (HTTP and SMTP); Jenkins, Jira, Harbor, SonarQube and Spinnaker to a replay of
 * exchanges recorded from their API documentation (tests/fixtures/vendors/).
 */

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;
/** Whose sh, awk, sed and grep the template's command runs with. */
let tools: "debian" | "busybox" = "debian";

/** Links busybox's applets (and curl) into the workspace's .busybox, for a later task's PATH. */
const BUSYBOX_TOOLS: Task = {
  name: "busybox-tools",
  template: "shell",
  params: {
    script:
      'mkdir -p .busybox && for a in sh awk sed grep tr head tail base64 mktemp date cat rm sleep mkdir; do ln -sf "$(command -v busybox)" .busybox/$a; done && ln -sf "$(command -v curl)" .busybox/curl',
  },
};

beforeAll(async () => {
  t = await createTestDatabase("gantry_vendors");
  // The product's default: sandboxed, with the machine's network (GANTRY_LOCAL_SANDBOX_NETWORK=host).
  op = startInProcessOperator(t.db, { sandbox: { mode: "required", uid: 65534, gid: 65534, network: "host", hide: [] } });
});
afterAll(async () => {
  await op?.stop();
  await t?.close();
});

type Task = { name: string; template: string; params: Record<string, unknown>; env?: Record<string, string> };

interface Ran {
  run: RunView;
  task: RunView["stages"][number]["tasks"][number];
  log: string;
  plan: TaskPlan;
}

/**
 * Runs the task (after `before`, shell tasks of an earlier stage) in a pipeline whose secret run
 * params are `secrets` (the task's secret params refer to them as `{{ params.NAME }}`).
 */
async function runTask(
  task: Task,
  opts: {
    secrets?: Record<string, string>;
    values?: Record<string, string>;
    event?: Record<string, unknown>;
    before?: Task[];
    bin?: string;
  } = {},
): Promise<Ran> {
  const secrets = opts.secrets ?? {};
  // Programs the task's PATH finds first: directories of its workspace (`bin`), then the system's or busybox's tools.
  const ws = `${op.workspaces}/{{ run.id }}`;
  const dirs = [
    ...(opts.bin ? [`${ws}/${opts.bin}`] : []),
    ...(tools === "busybox" ? [`${ws}/.busybox`] : ["/usr/local/bin", "/usr/bin", "/bin"]),
  ];
  const before = [...(opts.before ?? []), ...(tools === "busybox" ? [BUSYBOX_TOOLS] : [])];
  const called = { ...task, env: { ...task.env, PATH: dirs.join(":") } };
  const stages = [...(before.length ? [{ name: "prepare", tasks: before }] : []), { name: "call", tasks: [called] }];
  const pipelineId = await createTestPipeline(t.db, stages, [
    ...Object.keys(secrets).map((name) => ({ name, secret: true })),
    ...Object.keys(opts.values ?? {}).map((name) => ({ name })),
  ]);
  const { id } = await createRun(t.db, pipelineId, {
    params: { ...secrets, ...opts.values },
    ...(opts.event ? { event: opts.event, trigger: "webhook" } : {}),
  });
  const run = await waitForRunEnd(t.db, id, 90_000);
  const ran = taskOf(run, task.name);
  const [row] = await t.query<{ plan: string | TaskPlan }>("SELECT plan FROM task_runs WHERE id = ?", [ran.id]);
  const plan = typeof row.plan === "string" ? (JSON.parse(row.plan) as TaskPlan) : row.plan;
  return { run, task: ran, log: (await logText(t.db, ran.id)).join("\n"), plan };
}

/** Runs the task against a replay of the vendor's recorded scenario; every exchange must be played. */
async function againstRecording(
  vendor: string,
  scenario: string,
  task: (url: string) => Task,
  opts: Parameters<typeof runTask>[1] & { fill?: Record<string, string>; exchanges?: Exchange[] } = {},
): Promise<Ran> {
  const replay = await startReplay(`${vendor}/${scenario}`, opts.exchanges ?? recording(vendor, scenario, opts.fill));
  try {
    const r = await runTask(task(replay.url), opts);
    try {
      replay.assertPlayed();
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- the task's log:\n${r.log}`);
    }
    return r;
  } finally {
    await replay.close();
  }
}

/** A message with what breaks hand-made JSON and mail: lines, quotes, backslashes, a tab and a control character, unicode, markup, and {{ }} values. */
const MESSAGE = [
  'Deployed "{{ pipeline.name }}" #{{ run.number }} to staging',
  "path C:\\builds\\{{ git.branch }}\tand a tab, a bell \u0007",
  "ünïcødé ✓ 部署 <b>&amp;</b> 100% $HOME `id`",
  "",
  "last line",
].join("\n");

function expectedMessage(run: RunView): string {
  return MESSAGE.replace("{{ pipeline.name }}", run.pipelineName)
    .replace("{{ run.number }}", String(run.number))
    .replace("{{ git.branch }}", "");
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on loopback that answers as Slack, DingTalk and WeCom do, by path, and keeps what it got. */
async function startReceiver() {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      got.push(r);
      const json = (status: number, body: object) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      // Slack's incoming webhook answers "ok"; DingTalk's robot and WeCom's group bot answer 200 with an errcode.
      if (r.path.startsWith("/slack/")) res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      else if (r.path.startsWith("/robot/send")) json(200, { errcode: 0, errmsg: "ok" });
      else if (r.path.startsWith("/robot/refuses")) json(200, { errcode: 310000, errmsg: "keywords not in content" });
      else if (r.path.startsWith("/cgi-bin/webhook/send")) json(200, { errcode: 0, errmsg: "ok" });
      else if (r.path.startsWith("/hook")) res.writeHead(204).end();
      else res.writeHead(404).end("no such hook");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const parsedJson = (r: Received): unknown => {
  try {
    return JSON.parse(r.body);
  } catch (e) {
    throw new Error(`the payload to ${r.path} is not valid JSON (${(e as Error).message}): ${r.body}`);
  }
};

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const JENKINS_TOKEN = "1144d3fdc1a03e01a5d7ca8d9a4b21cf7a";
const jenkins = (params: Record<string, unknown>) => (url: string) => ({
  name: "jenkins",
  template: "jenkins-job",
  params: { jenkinsUrl: url, user: "ci-bot", apiToken: "{{ params.JENKINS_TOKEN }}", pollSeconds: 1, ...params },
});

const JIRA_TOKEN = "ATATT3xFfGF0-jira-token";
const COMMENT = 'Released {{ git.branch }} in run #{{ run.number }}\n"quoted" and C:\\path\tüñí ✓';

const HARBOR_PASSWORD = 's3cr"et\\pw';
const harbor = (params: Record<string, unknown>) => (url: string) => ({
  name: "harbor",
  template: "harbor-label",
  params: { harborUrl: url, user: "robot$ci", password: "{{ params.HARBOR_PW }}", project: "acme", reference: "1.4.2", ...params },
});

const SONAR_TOKEN = "squ_9f8e7d6c5b4a";
const STANDIN = readFileSync(path.join(import.meta.dirname, "fixtures/vendors/bin/sonar-scanner"), "utf8");

/**
 * Every case twice: with this machine's tools, and with busybox's sh, awk, sed and grep (and the
 * machine's curl), which is what the templates' image, curlimages/curl, has.
 */
for (const toolset of ["debian", "busybox"] as const) {
  describe(`with ${toolset}'s tools`, () => {
    beforeAll(() => {
      tools = toolset;
    });
    describe("notify", () => {
      let receiver: Awaited<ReturnType<typeof startReceiver>>;
      beforeAll(async () => {
        receiver = await startReceiver();
      });
      afterAll(async () => {
        await receiver?.close();
      });

      const cases: { channel: string; path: string; shape: (text: string) => unknown }[] = [
        { channel: "webhook", path: "/hook/deploys", shape: (text) => ({ message: text }) },
        {
          channel: "slack",
          path: "/slack/services/T000/B000/XXXX",
          // Slack's message formatting: &, < and > escaped, the rest as it is.
          shape: (text) => ({ text: text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;") }),
        },
        { channel: "dingtalk", path: "/robot/send?access_token=abc", shape: (text) => ({ msgtype: "text", text: { content: text } }) },
        { channel: "wecom", path: "/cgi-bin/webhook/send?key=693a91f6", shape: (text) => ({ msgtype: "text", text: { content: text } }) },
      ];
      for (const c of cases) {
        it(`posts a multi-line message with {{ }} values to ${c.channel} as valid JSON in its documented shape`, async () => {
          const before = receiver.got.length;
          const r = await runTask({
            name: "tell",
            template: "notify",
            params: { channel: c.channel, to: receiver.url + c.path, message: MESSAGE },
          });
          expect(r.run.status, r.log).toBe("succeeded");
          expect(r.log).toContain(`sent to ${c.channel}`);
          const got = receiver.got.slice(before);
          expect(got.map((g) => g.path)).toEqual([c.path]);
          expect(got[0].headers["content-type"]).toMatch(/^application\/json/);
          expect(parsedJson(got[0])).toEqual(c.shape(expectedMessage(r.run)));
        });
      }

      it("fails when DingTalk answers 200 with an errcode, saying what it answered", async () => {
        const r = await runTask({
          name: "tell",
          template: "notify",
          params: { channel: "dingtalk", to: `${receiver.url}/robot/refuses`, message: "hi" },
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain('notify: dingtalk refused the message: {"errcode":310000,"errmsg":"keywords not in content"}');
      });

      it("fails when the webhook answers an error status", async () => {
        const r = await runTask({
          name: "tell",
          template: "notify",
          params: { channel: "webhook", to: `${receiver.url}/nowhere`, message: "hi" },
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("notify: the webhook refused the message (HTTP 404): no such hook");
      });

      describe("email", () => {
        let smtp: TestSmtp;
        let port: number;
        beforeAll(async () => {
          port = await freePort();
          smtp = await startTestSmtp(port);
        });
        afterAll(async () => {
          await smtp?.close();
        });

        it("mails the multi-line message with its subject in UTF-8, the password only in the environment", async () => {
          const r = await runTask(
            {
              name: "mail",
              template: "notify",
              params: {
                channel: "email",
                to: "team@example.test",
                from: "ci@example.test",
                subject: "Run #{{ run.number }} of {{ pipeline.name }}: déployé ✓",
                message: MESSAGE,
                smtpUrl: `smtp://127.0.0.1:${port}`,
                // The test receiver offers no TLS, as a relay on a trusted network might.
                requireTls: false,
                smtpPassword: "{{ params.SMTP_PW }}",
              },
            },
            { secrets: { SMTP_PW: "smtp-pw-4711" } },
          );
          expect(r.run.status, r.log).toBe("succeeded");
          const mail = await smtp.waitFor("team@example.test");
          expect(mail.subject).toBe(`Run #${r.run.number} of ${r.run.pipelineName}: déployé ✓`);
          expect(mail.text).toBe(expectedMessage(r.run) + "\n");
          expect(mail.raw).toMatch(/^From: ci@example\.test\r?$/m);
          expect(mail.raw).toMatch(/^Content-Type: text\/plain; charset=UTF-8\r?$/m);
          expect(JSON.stringify(r.plan)).not.toContain("smtp-pw-4711");
          expect(r.plan.secretEnv).toEqual({ SMTP_PASSWORD: { param: "SMTP_PW" } });
        });

        it("refuses a recipient with a line break, which would add mail headers", async () => {
          const r = await runTask(
            {
              name: "mail",
              template: "notify",
              params: {
                channel: "email",
                to: "{{ params.TO }}",
                from: "ci@example.test",
                message: "hi",
                smtpUrl: `smtp://127.0.0.1:${port}`,
                requireTls: false,
              },
            },
            { values: { TO: "team@example.test\nBcc: all@example.test" } },
          );
          expect(r.run.status).toBe("failed");
          expect(r.log).toContain("notify: the recipient and the sender must be one line each");
        });
      });
    });
    describe("jenkins-job", () => {
      it("starts the job, follows the queue item to the build and succeeds with its result", async () => {
        const r = await againstRecording(
          "jenkins",
          "build-succeeds",
          jenkins({ job: "app/deploy", parameters: "BRANCH=main&VERSION=1.4.2" }),
          {
            secrets: { JENKINS_TOKEN },
          },
        );
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("waiting in the queue: In the quiet period. Expires in 4.9 sec");
        expect(r.log).toMatch(/build 42 of 'app\/deploy' ended: SUCCESS/);
        expect(r.task.results).toEqual({ build: "42", url: expect.stringMatching(/\/job\/app\/job\/deploy\/42\/$/), result: "SUCCESS" });
        expect(r.log).not.toContain(JENKINS_TOKEN);
      });

      it("fails when the build fails, naming the build", async () => {
        const r = await againstRecording("jenkins", "build-fails", jenkins({ job: "nightly" }), { secrets: { JENKINS_TOKEN } });
        expect(r.run.status).toBe("failed");
        expect(r.log).toMatch(/jenkins-job: build 7 ended FAILURE: http:\/\/127\.0\.0\.1:\d+\/job\/nightly\/7\//);
        expect(r.task.results.result).toBe("FAILURE");
      });

      it("fails on bad credentials, saying so", async () => {
        const r = await againstRecording(
          "jenkins",
          "bad-credentials",
          jenkins({ job: "app/job/deploy", parameters: "BRANCH=main&VERSION=1.4.2" }),
          {
            secrets: { JENKINS_TOKEN: "not-the-token" },
          },
        );
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("jenkins-job: Jenkins refused the credentials of 'ci-bot' (HTTP 401): check the user and its API token");
      });
    });
    describe("jira-issue", () => {
      const jira = (params: Record<string, unknown>) => (url: string) => ({
        name: "jira",
        template: "jira-issue",
        params: {
          baseUrl: url,
          user: "ci-bot@example.com",
          apiToken: "{{ params.JIRA_TOKEN }}",
          issues: "{{ event.issueKeys }}",
          ...params,
        },
      });

      it("transitions and comments on the issues the commits name, skips an unknown key, and fails naming a refused one", async () => {
        const r = await againstRecording("jira", "transition-and-comment", jira({ transitionId: "31", comment: COMMENT }), {
          secrets: { JIRA_TOKEN },
          event: { type: "push", branch: "main", issueKeys: ["APP-12", "UTF-8", "APP-13"] },
          // A fresh pipeline's first run, on the event's branch.
          fill: { COMMENT: COMMENT.replace("{{ git.branch }}", "main").replace("{{ run.number }}", "1") },
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("APP-12: transition 31");
        expect(r.log).toContain("APP-12: comment");
        expect(r.log).toContain("warning: UTF-8: Jira has no such issue, or the user may not see it (HTTP 404); skipped");
        expect(r.log).toContain(
          `APP-13: Jira refused to transition 31 (HTTP 400): {"errorMessages":["Transition id '31' is not valid for this issue."],"errors":{}}`,
        );
        expect(r.log).toContain("jira-issue: not updated: APP-13");
        expect(r.log).not.toContain(JIRA_TOKEN);
      });

      it("does nothing, successfully, when the commits name no issue", async () => {
        const r = await againstRecording("jira", "none", jira({ comment: "deployed" }), {
          secrets: { JIRA_TOKEN },
          event: { type: "push", issueKeys: [] },
          exchanges: [],
        });
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("no issue keys (the commits name none): nothing to do");
      });

      it("sends a Data Center personal access token as bearer, and fails when Jira refuses it", async () => {
        const r = await againstRecording("jira", "bad-token", jira({ user: "", issues: "OPS-7", comment: "deployed" }), {
          secrets: { JIRA_TOKEN: "expired-pat" },
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("jira-issue: Jira refused the credentials (HTTP 401): check user and apiToken");
      });
    });
    describe("harbor-label", () => {
      it("adds a label, removes another and locks the tag with an immutable tag rule", async () => {
        const r = await againstRecording(
          "harbor",
          "label-unlabel-lock",
          harbor({ repository: "team/app", labelId: 3, removeLabelId: 2, lock: true }),
          {
            secrets: { HARBOR_PW: HARBOR_PASSWORD },
          },
        );
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("labelled acme/team/app:1.4.2 with label 3");
        expect(r.log).toContain("removed label 2 from acme/team/app:1.4.2");
        expect(r.log).toContain("locked acme/team/app:1.4.2 (immutable tag rule)");
      });

      it("takes a label the artifact already has as done", async () => {
        const r = await againstRecording("harbor", "already-labelled", harbor({ repository: "app", labelId: 3 }), {
          secrets: { HARBOR_PW: HARBOR_PASSWORD },
        });
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("acme/app:1.4.2 already has label 3");
      });

      it("fails on bad credentials, saying so", async () => {
        const r = await againstRecording("harbor", "bad-credentials", harbor({ repository: "app", labelId: 3 }), {
          secrets: { HARBOR_PW: "wrong" },
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("harbor-label: Harbor refused the credentials of 'robot$ci' (HTTP 401): check user and password");
      });
    });
    describe("sonarqube-scan", () => {
      // The checkout, and the stand-in scanner put into the workspace and found first on PATH.
      const prepare: Task = {
        name: "checkout",
        template: "shell",
        params: {
          script:
            'mkdir -p src .bin && echo "x = 1" > src/app.py && printf "%s" "$STANDIN" > .bin/sonar-scanner && chmod +x .bin/sonar-scanner',
        },
        env: { STANDIN },
      };
      const sonar = (url: string) => ({
        name: "sonar",
        template: "sonarqube-scan",
        params: { serverUrl: url, projectKey: "team-app", token: "{{ params.SONAR_TOKEN }}", pollSeconds: 1 },
      });

      it("waits for the background task and passes with the quality gate OK", async () => {
        const r = await againstRecording("sonarqube", "gate-passes", sonar, { secrets: { SONAR_TOKEN }, before: [prepare], bin: ".bin" });
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("background task AVAn5RKqYwETbXvgas-I: IN_PROGRESS");
        expect(r.log).toMatch(/quality gate: OK \(http:\/\/127\.0\.0\.1:\d+\/dashboard\?id=team-app\)/);
        expect(r.task.results).toEqual({ gate: "OK", dashboard: expect.stringMatching(/\/dashboard\?id=team-app$/) });
      });

      it("fails when the quality gate is ERROR, naming the failed condition", async () => {
        const r = await againstRecording("sonarqube", "gate-fails", sonar, { secrets: { SONAR_TOKEN }, before: [prepare], bin: ".bin" });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("  new_coverage is 62.5");
        expect(r.log).not.toContain("new_duplicated_lines_density");
        expect(r.log).toMatch(/sonarqube-scan: the quality gate of team-app failed: http:\/\/127\.0\.0\.1:\d+\/dashboard\?id=team-app/);
        expect(r.task.results.gate).toBe("ERROR");
      });

      it("fails when SonarQube refuses the token, saying so", async () => {
        const r = await againstRecording("sonarqube", "bad-token", sonar, {
          secrets: { SONAR_TOKEN: "squ_revoked" },
          before: [prepare],
          bin: ".bin",
        });
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("sonarqube-scan: SonarQube refused the token (HTTP 401): check the token param");
      });
    });
    describe("spinnaker-webhook", () => {
      const sha = "4f1c2b9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c";

      it("posts the payload with its values filled in to the webhook source and keeps Gate's event id", async () => {
        const r = await againstRecording(
          "spinnaker",
          "triggered",
          (url) => ({
            name: "spin",
            template: "spinnaker-webhook",
            params: {
              gateUrl: url,
              source: "app-deploy",
              payload:
                '{"parameters":{"tag":"{{ git.shortSha }}"},"artifacts":[{"type":"docker/image","name":"registry.example.com/app","reference":"registry.example.com/app:{{ git.shortSha }}"}]}',
            },
          }),
          { event: { type: "push", branch: "main", sha }, fill: { TAG: sha.slice(0, 7) } },
        );
        expect(r.run.status, r.log).toBe("succeeded");
        expect(r.log).toContain("triggered Spinnaker webhook app-deploy (event 5b3e1f2a-64a9-4c51-9d1c-8f0e2b7a4c10)");
        expect(r.task.results).toEqual({ event: "5b3e1f2a-64a9-4c51-9d1c-8f0e2b7a4c10" });
      });

      it("fails when Gate refuses the webhook, saying what it answered", async () => {
        const r = await againstRecording(
          "spinnaker",
          "refused",
          (url) => ({
            name: "spin",
            template: "spinnaker-webhook",
            params: { gateUrl: url, source: "app-deploy", payload: '{"parameters":{"tag":"1.0.0"}}' },
          }),
          {},
        );
        expect(r.run.status).toBe("failed");
        expect(r.log).toContain("spinnaker-webhook: Gate refused the webhook (HTTP 401):");
      });
    });
  });
}
