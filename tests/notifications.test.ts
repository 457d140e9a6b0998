import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, uniqueName, waitForRun } from "./api-helpers";
import { startTestSmtp, type TestSmtp } from "./smtp-helpers";

/**
 * Notifications, received for real: a local HTTP server plays the generic webhook, Slack,
 * DingTalk and WeCom, and the SMTP test server takes the mail. The stack may call 127.0.0.1
 * because the test set-up puts it on GANTRY_OUTBOUND_ALLOW.
 */

interface Hit {
  path: string;
  body: any;
}
const hits: Hit[] = [];
let server: Server;
let base: string;
let smtp: TestSmtp;
let failNext = true;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      hits.push({ path: req.url ?? "", body: JSON.parse(data) });
      // WeCom and DingTalk answer 200 with an error code when they refuse a message.
      if (req.url === "/wecom" || req.url === "/dingtalk") return res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
      if (req.url === "/flaky" && failNext) {
        failNext = false;
        res.statusCode = 503;
        return res.end("try later");
      }
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  smtp = await startTestSmtp();
});
afterAll(async () => {
  server?.close();
  await smtp?.close();
});

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(hits.map((h) => h.path))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("run notifications", () => {
  it("tells every channel about a failure, then about the fix, in each service's format", async () => {
    const name = uniqueName("notify");
    const spec = {
      name,
      params: [{ name: "OUTCOME", default: "fail" }],
      notifications: [
        {
          on: ["failure", "fixed"],
          webhook: `${base}/hook`,
          slack: `${base}/slack`,
          dingtalk: `${base}/dingtalk`,
          wecom: `${base}/wecom`,
          email: ["oncall@example.test"],
        },
        { on: ["success"], webhook: `${base}/flaky` },
      ],
      stages: [
        {
          name: "s",
          tasks: [
            {
              name: "t",
              template: "shell",
              params: { script: '[ "$OUTCOME" = ok ] || { echo "error: the outcome is $OUTCOME"; exit 1; }' },
            },
          ],
        },
      ],
    };
    const created = await call("POST", "/api/v1/pipelines", { body: spec });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;

    const failed = await call("POST", `/api/v1/pipelines/${id}/runs`, { body: {} });
    expect((await waitForRun(failed.body.id)).status).toBe("failed");
    const hook = await until("the failure webhook", () => hits.find((h) => h.path === "/hook" && h.body.run.id === failed.body.id));
    expect(hook.body).toMatchObject({ event: "failure", pipeline: name, project: "default", run: { number: 1, status: "failed" } });
    expect(hook.body.run.url).toMatch(new RegExp(`/runs/${failed.body.id}$`));
    // Why it failed comes with it (docs/triage.md): the first error and its line.
    expect(hook.body.firstError).toMatchObject({ task: "t", text: "error: the outcome is fail", reason: null });
    const slack = await until("Slack", () => hits.find((h) => h.path === "/slack"));
    expect(slack.body.text).toContain(`${name} #1 failed`);
    const ding = await until("DingTalk", () => hits.find((h) => h.path === "/dingtalk"));
    expect(ding.body).toMatchObject({ msgtype: "markdown", markdown: { title: `${name} #1 failed` } });
    const wecom = await until("WeCom", () => hits.find((h) => h.path === "/wecom"));
    expect(wecom.body.msgtype).toBe("markdown");
    expect(wecom.body.markdown.content).toContain(`${name} #1 failed`);
    const mail = await smtp.waitFor("oncall@example.test", (m) => m.subject.includes(`${name} #1 failed`));
    expect(mail.text).toContain(`/runs/${failed.body.id}`);
    expect(mail.text).toContain("First error: t: error: the outcome is fail");
    expect(mail.text).toMatch(new RegExp(`/runs/${failed.body.id}\\?task=[^#]+#L\\d+`));

    const fixed = await call("POST", `/api/v1/pipelines/${id}/runs`, { body: { params: { OUTCOME: "ok" } } });
    expect((await waitForRun(fixed.body.id)).status).toBe("succeeded");
    const fixedHook = await until("the fixed webhook", () => hits.find((h) => h.path === "/hook" && h.body.event === "fixed"));
    expect(fixedHook.body.run).toMatchObject({ id: fixed.body.id, number: 2, status: "succeeded" });
    await smtp.waitFor("oncall@example.test", (m) => m.subject.includes(`${name} #2 is fixed`));
    // The success hook answered 503 once: the outbox tried again.
    const flaky = await until(
      "the retried success webhook",
      () => hits.filter((h) => h.path === "/flaky").length >= 2 || undefined,
      30_000,
    );
    expect(flaky).toBe(true);
  });

  it("refuses a spec whose notification has no channel or a bad address, naming the field", async () => {
    const r = await call("POST", "/api/v1/pipelines", {
      body: {
        name: uniqueName("notify-bad"),
        notifications: [{ on: ["failure"] }, { on: ["failure"], email: ["not-an-address"] }],
        stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
      },
    });
    expect(r.status).toBe(422);
    const paths = r.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["notifications[0]", "notifications[1].email[0]"]));
  });
});
