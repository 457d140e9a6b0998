import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";

/**
 * Recorded exchanges with services that cannot run on the test machine (Jenkins, Jira, Harbor,
 * SonarQube, Spinnaker), written from each vendor's published API documentation (the fixture names
 * its pages), and a server that replays them: each request must be the next recorded one (method,
 * path, query, credentials, headers, body), and gets the recorded answer. Anything else is
 * answered 500 and kept as a problem that says what differed, so the test fails saying so.
 */

const AuthSchema = z.union([z.object({ basic: z.tuple([z.string(), z.string()]) }), z.object({ bearer: z.string() }), z.literal("none")]);

const ExchangeSchema = z.object({
  /** What the exchange stands for in the vendor's terms. */
  note: z.string(),
  request: z.object({
    method: z.enum(["GET", "POST", "PUT", "DELETE"]),
    /** The path as sent, percent-encoding included (Harbor's a%252Fb). */
    path: z.string().startsWith("/"),
    query: z.record(z.string(), z.string()).default({}),
    auth: AuthSchema,
    /** Headers that must be there with these values (names in lower case). */
    headers: z.record(z.string(), z.string()).default({}),
    /** The body as JSON, or as an HTML form; neither: no body. */
    json: z.unknown().optional(),
    form: z.record(z.string(), z.string()).optional(),
  }),
  response: z.object({
    status: z.number().int().min(100).max(599),
    /** `{base}` in a value (a Location) is the replay server's URL. */
    headers: z.record(z.string(), z.string()).default({}),
    /** An object is sent as JSON, a string as it is; `{base}` in either is the server's URL. */
    body: z.unknown().optional(),
  }),
});
export type Exchange = z.infer<typeof ExchangeSchema>;

const RecordingSchema = z.object({
  vendor: z.string(),
  /** The documentation pages the exchanges are taken from. */
  docs: z.array(z.string().url()).min(1),
  scenarios: z.record(z.string(), z.array(ExchangeSchema)),
});

const FIXTURES = path.join(import.meta.dirname, "fixtures", "vendors");

/**
 * One scenario of a vendor's recording (tests/fixtures/vendors/<vendor>.json); `{{NAME}}` in its
 * strings becomes `fill[NAME]` (what only the run knows, such as its number in a comment).
 */
export function recording(vendor: string, scenario: string, fill: Record<string, string> = {}): Exchange[] {
  const file = path.join(FIXTURES, `${vendor}.json`);
  const rec = RecordingSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  const found = rec.scenarios[scenario];
  if (!found) throw new Error(`${file} has no scenario '${scenario}' (it has: ${Object.keys(rec.scenarios).join(", ")})`);
  const sub = (v: unknown): unknown =>
    typeof v === "string"
      ? Object.entries(fill).reduce((s, [k, x]) => s.replaceAll(`{{${k}}}`, x), v)
      : Array.isArray(v)
        ? v.map(sub)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]))
          : v;
  return sub(found) as Exchange[];
}

export interface Replay {
  url: string;
  /** What differed from the recording, one line per request. */
  problems: string[];
  /** Throws unless every recorded exchange was asked for, in order, and nothing else. */
  assertPlayed(): void;
  close(): Promise<void>;
}

const authHeader = (a: z.infer<typeof AuthSchema>): string | undefined =>
  a === "none" ? undefined : "basic" in a ? `Basic ${Buffer.from(`${a.basic[0]}:${a.basic[1]}`).toString("base64")}` : `Bearer ${a.bearer}`;

/** What is wrong with a request against the exchange it should be; empty when it matches. */
export function differences(
  want: Exchange["request"],
  got: { method: string; url: string; headers: IncomingMessage["headers"]; body: string },
): string[] {
  const out: string[] = [];
  const u = new URL(got.url, "http://replay");
  if (got.method !== want.method) out.push(`method ${got.method}, recorded ${want.method}`);
  if (u.pathname !== want.path) out.push(`path ${u.pathname}, recorded ${want.path}`);
  const query = Object.fromEntries(u.searchParams);
  if (!isDeepStrictEqual(query, want.query)) out.push(`query ${JSON.stringify(query)}, recorded ${JSON.stringify(want.query)}`);
  const auth = authHeader(want.auth);
  if (got.headers.authorization !== auth)
    out.push(`authorization '${got.headers.authorization ?? "(none)"}', recorded '${auth ?? "(none)"}'`);
  for (const [k, v] of Object.entries(want.headers))
    if (got.headers[k] !== v) out.push(`header ${k}: '${String(got.headers[k] ?? "(none)")}', recorded '${v}'`);
  if (want.json !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(got.body);
    } catch (e) {
      out.push(`body is not JSON (${(e as Error).message}): ${got.body.slice(0, 300)}`);
      return out;
    }
    if (!isDeepStrictEqual(body, want.json)) out.push(`JSON body ${JSON.stringify(body)}, recorded ${JSON.stringify(want.json)}`);
  } else if (want.form !== undefined) {
    const form = Object.fromEntries(new URLSearchParams(got.body));
    if (!isDeepStrictEqual(form, want.form)) out.push(`form body ${JSON.stringify(form)}, recorded ${JSON.stringify(want.form)}`);
  } else if (got.body !== "") out.push(`a body where the recording has none: ${got.body.slice(0, 300)}`);
  return out;
}

/** Serves the exchanges in order on a loopback port. */
export async function startReplay(label: string, exchanges: Exchange[]): Promise<Replay> {
  const problems: string[] = [];
  let next = 0;
  let base = "";
  const answer = (res: ServerResponse, r: Exchange["response"]) => {
    const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.replaceAll("{base}", base)]));
    let body = "";
    if (typeof r.body === "string") body = r.body.replaceAll("{base}", base);
    else if (r.body !== undefined) {
      body = JSON.stringify(r.body).replaceAll("{base}", base);
      headers["content-type"] ??= "application/json";
    }
    res.writeHead(r.status, headers).end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const got = { method: req.method ?? "", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const want = exchanges[next];
      const what = `${label}: ${got.method} ${got.url}`;
      if (!want) {
        problems.push(`${what}: a request after the ${exchanges.length} recorded exchanges`);
        return res.writeHead(500).end("replay: not in the recording");
      }
      const diff = differences(want.request, got);
      if (diff.length) {
        problems.push(`${what}: exchange ${next + 1} (${want.note}) differs: ${diff.join("; ")}`);
        return res.writeHead(500).end(`replay: differs from the recording: ${diff.join("; ")}`);
      }
      next++;
      answer(res, want.response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    problems,
    assertPlayed() {
      if (problems.length) throw new Error(`requests that differ from the recording:\n${problems.join("\n")}`);
      if (next < exchanges.length)
        throw new Error(`${label}: ${exchanges.length - next} recorded exchanges were never asked for, first: ${exchanges[next].note}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
