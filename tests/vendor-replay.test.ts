import { describe, expect, it } from "vitest";
import { recording, startReplay } from "./vendor-replay";

/** The replay that stands in for Jenkins, Jira, Harbor, SonarQube and Spinnaker fails loudly, saying what differed. */

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;

describe("vendor replay", () => {
  it("answers the recorded exchange, with {base} made its own URL", async () => {
    const replay = await startReplay("jenkins", recording("jenkins", "build-fails"));
    try {
      const r = await fetch(`${replay.url}/job/nightly/build`, {
        method: "POST",
        headers: { authorization: basic("ci-bot", "1144d3fdc1a03e01a5d7ca8d9a4b21cf7a") },
        redirect: "manual",
      });
      expect(r.status).toBe(201);
      expect(r.headers.get("location")).toBe(`${replay.url}/queue/item/18/`);
      expect(replay.problems).toEqual([]);
      expect(() => replay.assertPlayed()).toThrow(
        /2 recorded exchanges were never asked for, first: the queue item: the build started at once/,
      );
    } finally {
      await replay.close();
    }
  });

  it("refuses a request that differs from the recording, naming each difference", async () => {
    const replay = await startReplay("jira", recording("jira", "bad-token"));
    try {
      const r = await fetch(`${replay.url}/rest/api/2/issue/OPS-8/comment?expand=x`, {
        method: "POST",
        headers: { authorization: "Bearer other", "content-type": "application/json" },
        body: '{"body":"deployed!"}',
      });
      expect(r.status).toBe(500);
      expect(replay.problems).toEqual([
        "jira: POST /rest/api/2/issue/OPS-8/comment?expand=x: exchange 1 (Jira Data Center, a personal access token as bearer that is not valid: 401) differs: " +
          'path /rest/api/2/issue/OPS-8/comment, recorded /rest/api/2/issue/OPS-7/comment; query {"expand":"x"}, recorded {}; ' +
          "authorization 'Bearer other', recorded 'Bearer expired-pat'; " +
          'JSON body {"body":"deployed!"}, recorded {"body":"deployed"}',
      ]);
      expect(() => replay.assertPlayed()).toThrow(/requests that differ from the recording/);
    } finally {
      await replay.close();
    }
  });

  it("refuses a body that is not JSON where JSON is recorded, and any request beyond the recording", async () => {
    const replay = await startReplay("spinnaker", recording("spinnaker", "refused"));
    try {
      const send = (body: string) =>
        fetch(`${replay.url}/webhooks/webhook/app-deploy`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect((await send('{"parameters":{"tag":"1.0.0"')).status).toBe(500);
      expect((await send('{"parameters":{"tag":"1.0.0"}}')).status).toBe(401);
      expect((await send("{}")).status).toBe(500);
      expect(replay.problems).toEqual([
        expect.stringMatching(/exchange 1 .* differs: body is not JSON \(.*\): \{"parameters":\{"tag":"1\.0\.0"$/),
        "spinnaker: POST /webhooks/webhook/app-deploy: a request after the 1 recorded exchanges",
      ]);
    } finally {
      await replay.close();
    }
  });
});
