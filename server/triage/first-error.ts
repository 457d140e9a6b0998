/**
 * The line that explains why a task failed (docs/triage.md): the rules of rules.json tried on
 * every line of the task's last attempt. Pure: the caller reads the log.
 */
import { z } from "zod";
import { stripAnsi } from "@/lib/ansi";
import data from "./rules.json";

const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    ecosystem: z.string(),
    /** 3: a specific failure (compiler, test, traceback); 2: a generic error line; 1: a tool's closing complaint. */
    tier: z.number().int().min(1).max(3),
    pattern: z.string(),
    explain: z.string().optional(),
    within: z.number().int().positive().optional(),
    before: z.number().int().min(0).max(10).optional(),
    after: z.number().int().min(0).max(20).optional(),
  })
  .strict();
export type RuleInput = z.input<typeof RuleSchema>;

export interface Rule {
  id: string;
  tier: number;
  pattern: RegExp;
  explain: RegExp | null;
  within: number;
  before: number;
  after: number;
}

/** Compiles the rules, naming the rule and field of any that is wrong. */
export function compileRules(input: unknown): Rule[] {
  const parsed = z.object({ rules: z.array(RuleSchema) }).safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`triage rules: ${i.path.join(".")}: ${i.message}`);
  }
  const regex = (id: string, field: string, src: string) => {
    try {
      return new RegExp(src);
    } catch (e) {
      throw new Error(`triage rule '${id}': ${field} is not a valid regular expression: ${(e as Error).message}`);
    }
  };
  return parsed.data.rules.map((r) => ({
    id: r.id,
    tier: r.tier,
    pattern: regex(r.id, "pattern", r.pattern),
    explain: r.explain ? regex(r.id, "explain", r.explain) : null,
    within: r.within ?? 5,
    before: r.before ?? 2,
    after: r.after ?? 4,
  }));
}

export const RULES: Rule[] = compileRules(data);

export interface TriageLine {
  seq: number;
  text: string;
  stream?: "out" | "err" | "sys";
}

export interface FirstError {
  /** The log line (its sequence number) the run page links to. */
  line: number;
  text: string;
  /** The lines around it, the reported one included. */
  context: { line: number; text: string }[];
  /** Which rule found it (`last-output`: none did, the task's last line of output). */
  rule: string;
  /** The matched line when the reported one explains it (a traceback's start, a failed test's name). */
  headline?: string;
}

const MAX_TEXT = 500;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);
/** Gantry's own line that starts a retry: the failure that counts is the last attempt's. */
const ATTEMPT = /^attempt \d+ of \d+$/;

/**
 * The first error of the task's last attempt: the earliest line matched by a rule of the
 * highest tier matched; else the last line the task printed. Null for an empty log.
 */
export function findFirstError(lines: readonly TriageLine[], rules: readonly Rule[] = RULES): FirstError | null {
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].stream === "sys" && ATTEMPT.test(lines[i].text)) {
      start = i + 1;
      break;
    }
  }
  const plain = lines.slice(start).map((l) => ({ ...l, text: l.text.includes("\x1b") ? stripAnsi(l.text) : l.text }));
  let best: { i: number; rule: Rule } | null = null;
  for (let i = 0; i < plain.length; i++) {
    const l = plain[i];
    if (l.stream === "sys") continue;
    for (const rule of rules) {
      if (best && rule.tier <= best.rule.tier) continue;
      if (rule.pattern.test(l.text)) {
        best = { i, rule };
        break;
      }
    }
    if (best?.rule.tier === 3) break;
  }
  if (!best) {
    for (let i = plain.length - 1; i >= 0; i--) {
      if (plain[i].stream !== "sys" && plain[i].text.trim()) return build(plain, i, i, null, "last-output", 4, 0);
    }
    return null;
  }
  const { i, rule } = best;
  let at = i;
  if (rule.explain) {
    for (let j = i + 1; j < Math.min(plain.length, i + 1 + rule.within); j++) {
      if (rule.explain.test(plain[j].text)) {
        at = j;
        break;
      }
    }
  }
  return build(plain, i, at, at === i ? null : plain[i].text, rule.id, rule.before, rule.after);
}

function build(
  lines: readonly TriageLine[],
  matched: number,
  at: number,
  headline: string | null,
  rule: string,
  before: number,
  after: number,
): FirstError {
  const from = Math.max(0, matched - before);
  // A long explanation (a traceback) keeps its end: the lines nearest the reported one.
  const to = Math.min(lines.length - 1, at + after);
  const first = Math.max(from, to - 24);
  const context = lines.slice(first, to + 1).map((l) => ({ line: l.seq, text: clip(l.text) }));
  return {
    line: lines[at].seq,
    text: clip(lines[at].text),
    context,
    rule,
    ...(headline !== null ? { headline: clip(headline) } : {}),
  };
}
