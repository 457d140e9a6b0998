import { z } from "zod";
import { firstErrorText, firstErrorUrl, type RunFirstError } from "./first-error-text";

/**
 * A pipeline's notifications (its spec's `notifications`): on which run events, to which
 * channels. `fixed` is a success after a failed run of the same pipeline and branch.
 */
export const NOTIFY_EVENTS = ["failure", "success", "fixed", "waiting"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const CHANNELS = ["email", "webhook", "slack", "dingtalk", "wecom"] as const;
export type Channel = (typeof CHANNELS)[number];

const url = z.url({ protocol: /^https?$/, error: "an http(s) URL" }).max(2000);

export const NotificationSpecSchema = z
  .strictObject({
    on: z.array(z.enum(NOTIFY_EVENTS)).min(1, "name at least one event"),
    email: z.array(z.email("not an email address")).max(50).optional(),
    webhook: url.optional(),
    slack: url.optional(),
    dingtalk: url.optional(),
    wecom: url.optional(),
  })
  .refine((n) => CHANNELS.some((c) => n[c] !== undefined), {
    message: "name at least one channel: email, webhook, slack, dingtalk or wecom",
  });
export type NotificationSpec = z.output<typeof NotificationSpecSchema>;

/** The (channel, target) pairs of the specs that want this event. */
export function targetsFor(specs: NotificationSpec[], event: NotifyEvent): { channel: Channel; target: string }[] {
  const out: { channel: Channel; target: string }[] = [];
  const seen = new Set<string>();
  for (const n of specs) {
    if (!n.on.includes(event)) continue;
    for (const c of CHANNELS) {
      const v = n[c];
      for (const target of c === "email" ? ((v as string[] | undefined) ?? []) : v ? [v as string] : []) {
        if (seen.has(`${c} ${target}`)) continue;
        seen.add(`${c} ${target}`);
        out.push({ channel: c, target });
      }
    }
  }
  return out;
}

export interface NotificationMessage {
  event: NotifyEvent;
  pipeline: string;
  project: string;
  run: { id: string; number: number; status: string; url: string; ref: string | null; trigger: string; message: string | null };
  /** Why the first failed task failed (server/triage), when it is known. */
  firstError?: RunFirstError | null;
}

/** The run's message and its first error, as the lines of a notification. */
export function detailLines(m: NotificationMessage): string[] {
  return [
    ...(m.run.message ? [m.run.message] : []),
    ...(m.firstError ? [`First error: ${firstErrorText(m.firstError)}`, `Line: ${firstErrorUrl(m.run.url, m.firstError)}`] : []),
  ];
}

const TITLE: Record<NotifyEvent, string> = {
  failure: "failed",
  success: "succeeded",
  fixed: "is fixed",
  waiting: "is waiting for approval",
};

export const headline = (m: NotificationMessage) =>
  `${m.pipeline} #${m.run.number} ${TITLE[m.event]}${m.run.ref ? ` (${m.run.ref.replace(/^refs\/(heads|tags)\//, "")})` : ""}`;

/** The request body each chat service expects (their incoming-webhook formats). */
export function chatBody(channel: Exclude<Channel, "email">, m: NotificationMessage): unknown {
  const title = headline(m);
  const detail = [...detailLines(m), `Project ${m.project} · trigger ${m.run.trigger}`].join("\n");
  switch (channel) {
    case "slack":
      return {
        text: `${title}: ${m.run.url}`,
        blocks: [{ type: "section", text: { type: "mrkdwn", text: `*<${m.run.url}|${title}>*\n${detail}` } }],
      };
    case "dingtalk":
      return { msgtype: "markdown", markdown: { title, text: `### ${title}\n\n${detail}\n\n[Open the run](${m.run.url})` } };
    case "wecom":
      return { msgtype: "markdown", markdown: { content: `**${title}**\n${detail}\n[Open the run](${m.run.url})` } };
    case "webhook":
      return {
        event: m.event,
        title,
        pipeline: m.pipeline,
        project: m.project,
        run: m.run,
        ...(m.firstError ? { firstError: m.firstError } : {}),
      };
  }
}
