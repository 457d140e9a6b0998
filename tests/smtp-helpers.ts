import { SMTPServer } from "smtp-server";

/**
 * A real SMTP server (the `smtp-server` package) on the port the stack under test sends its mail
 * to (GANTRY_TEST_SMTP_PORT, set by `npm test`), keeping every message it receives.
 */
export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

export interface TestSmtp {
  mails: ReceivedMail[];
  /** The first mail (received already or later) to this address that matches. */
  waitFor(to: string, match?: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export function smtpPort(): number {
  const p = Number(process.env.GANTRY_TEST_SMTP_PORT);
  if (!p) throw new Error("GANTRY_TEST_SMTP_PORT must name the port the stack sends mail to; `npm test` sets it");
  return p;
}

export async function startTestSmtp(port = smtpPort()): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({ ...parseMail(raw), to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    mails,
    async waitFor(to, match = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = mails.find((x) => x.to.includes(to) && match(x));
        if (m) return m;
        if (Date.now() > deadline)
          throw new Error(
            `no mail to ${to} within ${timeoutMs} ms; received: ${JSON.stringify(mails.map((x) => ({ to: x.to, subject: x.subject })))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough MIME for the mails Gantry sends: one text/plain part, quoted-printable or 7/8-bit. */
function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1] ?? "";
  const subject = decodeWords(header("Subject"));
  const qp = /quoted-printable/i.test(header("Content-Transfer-Encoding"));
  const b64 = /base64/i.test(header("Content-Transfer-Encoding"));
  const text = qp ? decodeQp(body) : b64 ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8") : body;
  return { subject, text: text.replace(/\r\n/g, "\n") };
}

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
  } catch {
    return bytes;
  }
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQp(data.replace(/_/g, " ")),
    );
}

/** The run page link in an approval mail. */
export function linkIn(mail: ReceivedMail): string {
  const m = /https?:\/\/\S+\/runs\/\S+/.exec(mail.text);
  if (!m) throw new Error(`no run link in the mail: ${mail.text}`);
  return m[0];
}
