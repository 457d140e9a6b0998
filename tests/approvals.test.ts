import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, uniqueName, waitForRun } from "./api-helpers";
import { createGatePipeline, decide, gateOf, startGatedRun } from "./approval-helpers";
import { createTestProject, createUserWithToken, type TestProject } from "./project-helpers";
import { linkIn, startTestSmtp, type TestSmtp } from "./smtp-helpers";

/**
 * Manual-approval gates against the running stack: the operator opens the gate (the run waits),
 * emails the approvers through a real SMTP server started here, and the REST API enforces who may
 * decide, once, and only in time; quorum, denial and the three timeout outcomes end the gate.
 */

let p: TestProject;
let smtp: TestSmtp;
const email = (u: { username: string }) => `${u.username}@example.test`;

beforeAll(async () => {
  smtp = await startTestSmtp();
  p = await createTestProject("approvals");
});
afterAll(async () => {
  await smtp?.close();
  await p?.pool.end();
});

describe("manual approval gates", () => {
  it("wait for a quorum (2 of 3), count each approver once, and let the run go on", async () => {
    const { developer, maintainer, owner, viewer, outsider } = p.users;
    const name = uniqueName("quorum");
    const pipelineId = await createGatePipeline(p.slug, name, {
      approvers: [developer.username, maintainer.username, owner.username],
      requiredApprovals: 2,
      instructions: "Check the staging site first.",
    });
    const { runId, gateId, run } = await startGatedRun(pipelineId);

    // The run shows the gate: who may approve, how many, until when, and nobody decided yet.
    expect(gateOf(run).approval).toMatchObject({
      requiredApprovals: 2,
      approvals: 0,
      onTimeout: "fail",
      instructions: "Check the staging site first.",
      decisions: [],
    });
    expect(Date.parse(gateOf(run).approval.deadline)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(gateOf((await get(`/api/v1/runs/${runId}`, { token: developer.token })).body).approval.canDecide).toBe(true);
    expect(gateOf((await get(`/api/v1/runs/${runId}`, { token: viewer.token })).body).approval.canDecide).toBe(false);

    // Every approver with an address gets a mail with the instructions and a link to the run.
    for (const u of [developer, maintainer, owner]) {
      const mail = await smtp.waitFor(email(u), (m) => m.text.includes(runId));
      expect(mail.subject).toContain(name);
      expect(mail.text).toContain("Check the staging site first.");
      expect(linkIn(mail)).toBe(`${process.env.GANTRY_TEST_URL!.replace(/\/$/, "")}/runs/${runId}?task=${gateId}`);
    }
    expect(smtp.mails.some((m) => m.to.includes(email(viewer)) && m.text.includes(runId))).toBe(false);

    const first = await decide(gateId, developer.token, "approve", "staging looks good");
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({
      status: "waiting",
      approval: { approvals: 1 },
      decision: { username: developer.username, decision: "approve", comment: "staging looks good" },
    });

    const again = await decide(gateId, developer.token, "approve");
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already decided/);

    const notApprover = await decide(gateId, viewer.token, "approve");
    expect(notApprover.status).toBe(403);
    expect(notApprover.body.error.message).toMatch(/not an approver/);
    expect((await decide(gateId, outsider.token, "approve")).status).toBe(404);

    const second = await decide(gateId, maintainer.token, "approve", "ok from me");
    expect(second.status, second.text).toBe(200);
    expect(second.body.status).toBe("succeeded");

    const done = await waitForRun(runId);
    expect(done.status).toBe("succeeded");
    expect(done.stages[1].tasks[0].status).toBe("succeeded");
    const gate = gateOf(done);
    expect(gate.message).toBe(`approved by ${developer.username}, ${maintainer.username}`);
    expect(gate.approval.decisions).toMatchObject([
      { username: developer.username, decision: "approve", comment: "staging looks good" },
      { username: maintainer.username, decision: "approve", comment: "ok from me" },
    ]);
    expect(gate.approval.canDecide).toBe(false);

    // A decision on a gate that is over is refused.
    const late = await decide(gateId, owner.token, "approve");
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/no longer waiting/);

    const trail = await call("GET", `/api/v1/projects/${p.slug}/audit?action=approval`, { token: owner.token });
    const approvals = trail.body.items.filter((e: any) => e.target.id === gateId && e.action === "approval.approve");
    expect(approvals.map((e: any) => e.actor).sort()).toEqual([developer.username, maintainer.username].sort());
    expect(approvals[0].address).toBeTruthy();
  });

  it("fail on a denial, with who and why, and the run fails", async () => {
    const { developer, maintainer } = p.users;
    const pipelineId = await createGatePipeline(p.slug, uniqueName("deny"), {
      approvers: [developer.username, maintainer.username],
      requiredApprovals: 2,
    });
    const { runId, gateId } = await startGatedRun(pipelineId);
    expect((await decide(gateId, developer.token, "approve")).status).toBe(200);
    const no = await decide(gateId, maintainer.token, "deny", "the release notes are missing");
    expect(no.status, no.text).toBe(200);
    expect(no.body.status).toBe("failed");
    const done = await waitForRun(runId);
    expect(done.status).toBe("failed");
    expect(gateOf(done).message).toBe(`denied by ${maintainer.username}: the release notes are missing`);
    expect(done.message).toContain(`denied by ${maintainer.username}`);
    expect(done.stages[1].tasks[0].status).toBe("skipped");
    const trail = await call("GET", `/api/v1/projects/${p.slug}/audit?action=approval.deny`, { token: p.users.owner.token });
    expect(trail.body.items.find((e: any) => e.target.id === gateId)).toMatchObject({
      actor: maintainer.username,
      details: { comment: "the release notes are missing" },
    });
  });

  it("take approvers by role: that role or above in the pipeline's project, each notified", async () => {
    const { developer, maintainer, owner } = p.users;
    const pipelineId = await createGatePipeline(p.slug, uniqueName("by-role"), { approvers: ["role:maintainer"] });
    const { runId, gateId } = await startGatedRun(pipelineId);
    await smtp.waitFor(email(maintainer), (m) => m.text.includes(runId));
    await smtp.waitFor(email(owner), (m) => m.text.includes(runId));
    expect(smtp.mails.some((m) => m.to.includes(email(developer)) && m.text.includes(runId))).toBe(false);

    const dev = await decide(gateId, developer.token, "approve");
    expect(dev.status).toBe(403);
    expect(dev.body.error.message).toMatch(/any maintainer or above/);
    expect((await decide(gateId, owner.token, "approve")).status).toBe(200);
    expect((await waitForRun(runId)).status).toBe("succeeded");
  });

  it("need a token whose scope allows running", async () => {
    const readOnly = await createUserWithToken(p.db, uniqueName("ro-approver"), "read");
    await call("PUT", `/api/v1/projects/${p.slug}/members/${readOnly.username}`, { body: { role: "maintainer" } });
    const pipelineId = await createGatePipeline(p.slug, uniqueName("scope"), { approvers: [readOnly.username] });
    const { runId, gateId } = await startGatedRun(pipelineId);
    const r = await decide(gateId, readOnly.token, "approve");
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/scope 'read'/);
    const bad = await call("POST", `/api/v1/task-runs/${gateId}/approval`, { body: { decision: "maybe" } });
    expect(bad.status).toBe(422);
    await call("POST", `/api/v1/runs/${runId}/cancel`);
    const cancelled = await waitForRun(runId);
    expect(cancelled.status).toBe("cancelled");
    expect(gateOf(cancelled).status).toBe("cancelled");
  });

  describe("on timeout", () => {
    const timed = async (onTimeout: string) => {
      const pipelineId = await createGatePipeline(p.slug, uniqueName(`timeout-${onTimeout}`), {
        approvers: [p.users.owner.username],
        timeoutMinutes: 0.05,
        onTimeout,
      });
      const { runId, gateId, run } = await startGatedRun(pipelineId);
      // Three seconds from when the gate started waiting.
      expect(Date.parse(gateOf(run).approval.deadline) - Date.parse(gateOf(run).startedAt)).toBe(3000);
      return { runId, gateId, done: await waitForRun(runId, 20_000) };
    };

    it("fail: the gate fails and so does the run; a decision after the deadline is refused", async () => {
      const { gateId, done } = await timed("fail");
      expect(done.status).toBe("failed");
      expect(gateOf(done).status).toBe("failed");
      expect(gateOf(done).message).toMatch(/^timed out after 3s with 0 of 1 approval$/);
      expect(done.stages[1].tasks[0].status).toBe("skipped");
      const late = await decide(gateId, p.users.owner.token, "approve");
      expect(late.status).toBe(409);
      expect(late.body.error.message).toMatch(/no longer waiting.*timed out/);
    });

    it("approve: the gate passes and the run goes on", async () => {
      const { done } = await timed("approve");
      expect(done.status).toBe("succeeded");
      expect(gateOf(done)).toMatchObject({ status: "succeeded", message: expect.stringMatching(/approved on timeout/) });
      expect(done.stages[1].tasks[0].status).toBe("succeeded");
    });

    it("skip: the gate and the rest of the run are skipped, and the run does not fail", async () => {
      const { done } = await timed("skip");
      expect(done.status).toBe("succeeded");
      expect(gateOf(done).status).toBe("skipped");
      expect(done.stages[1].tasks[0]).toMatchObject({
        status: "skipped",
        message: expect.stringMatching(/approval gate 'gate' timed out/),
      });
      expect(done.message).toMatch(/timed out: the rest of the run was skipped/);
    });
  });

  it("list the gates waiting for the caller", async () => {
    const { developer, viewer } = p.users;
    const pipelineId = await createGatePipeline(p.slug, uniqueName("pending"), { approvers: ["role:developer"] });
    const { runId, gateId } = await startGatedRun(pipelineId);
    const mine = await get("/api/v1/approvals", { token: developer.token });
    expect(mine.status).toBe(200);
    expect(mine.body.items.find((x: any) => x.taskRunId === gateId)).toMatchObject({ runId, project: p.slug, taskName: "gate" });
    const theirs = await get("/api/v1/approvals", { token: viewer.token });
    expect(theirs.body.items.find((x: any) => x.taskRunId === gateId)).toBeUndefined();
    await decide(gateId, developer.token, "approve");
    expect(
      (await get("/api/v1/approvals", { token: developer.token })).body.items.find((x: any) => x.taskRunId === gateId),
    ).toBeUndefined();
    await waitForRun(runId);
  });

  it("send sign-in through the link in the mail and back to the run", async () => {
    const pipelineId = await createGatePipeline(p.slug, uniqueName("link"), { approvers: [p.users.maintainer.username] });
    const { runId } = await startGatedRun(pipelineId);
    const link = linkIn(await smtp.waitFor(email(p.users.maintainer), (m) => m.text.includes(runId)));
    const r = await fetch(link, { redirect: "manual" });
    expect(r.status).toBeGreaterThanOrEqual(300);
    const to = new URL(r.headers.get("location")!, link);
    expect(to.pathname).toBe("/login");
    expect(to.searchParams.get("callbackUrl")).toBe(new URL(link).pathname + new URL(link).search);
    await call("POST", `/api/v1/runs/${runId}/cancel`);
  });
});
