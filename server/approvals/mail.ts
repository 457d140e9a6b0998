import nodemailer, { type Transporter } from "nodemailer";
import { z } from "zod";

/**
 * Outgoing mail (approval requests). Configured from the environment; without SMTP settings no
 * mail is sent and the operator says so in its log. See README.md's configuration table.
 */
const MailEnvSchema = z.object({
  /** `smtp://user:pass@host:587` or `smtps://…:465`; wins over the separate settings below. */
  GANTRY_SMTP_URL: z.string().url().optional(),
  GANTRY_SMTP_HOST: z.string().min(1).optional(),
  GANTRY_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  GANTRY_SMTP_USER: z.string().optional(),
  GANTRY_SMTP_PASSWORD: z.string().optional(),
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  GANTRY_SMTP_SECURE: z.enum(["true", "false"]).optional(),
  GANTRY_MAIL_FROM: z.string().min(3).default("Gantry <gantry@localhost>"),
  /** Base of links in mails; defaults to NEXTAUTH_URL. */
  GANTRY_PUBLIC_URL: z.string().url().optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().default(3000),
});

type SmtpOptions = { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

function fromUrl(u: string): SmtpOptions {
  const url = new URL(u);
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw new Error(`GANTRY_SMTP_URL must start with smtp:// or smtps://, got '${url.protocol}'`);
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
  };
}

export interface MailConfig {
  transport: SmtpOptions | null;
  from: string;
  publicUrl: string;
}

export function mailConfig(env: NodeJS.ProcessEnv = process.env): MailConfig {
  const e = MailEnvSchema.parse(env);
  const secure = e.GANTRY_SMTP_SECURE === "true";
  const transport = e.GANTRY_SMTP_URL
    ? fromUrl(e.GANTRY_SMTP_URL)
    : e.GANTRY_SMTP_HOST
      ? {
          host: e.GANTRY_SMTP_HOST,
          port: e.GANTRY_SMTP_PORT ?? (secure ? 465 : 587),
          secure,
          ...(e.GANTRY_SMTP_USER ? { auth: { user: e.GANTRY_SMTP_USER, pass: e.GANTRY_SMTP_PASSWORD ?? "" } } : {}),
        }
      : null;
  const publicUrl = (e.GANTRY_PUBLIC_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return { transport, from: e.GANTRY_MAIL_FROM, publicUrl };
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(m: Mail): Promise<void>;
}

/** A mailer for the configured SMTP server, or null when none is configured. */
export function createMailer(cfg: MailConfig): Mailer | null {
  if (!cfg.transport) return null;
  const t: Transporter = nodemailer.createTransport({
    ...cfg.transport,
    // A mail server that does not answer must not hold the operator's notifications for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(m) {
      await t.sendMail({ from: cfg.from, to: m.to, subject: m.subject, text: m.text });
    },
  };
}
