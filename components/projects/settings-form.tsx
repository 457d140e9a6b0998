"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Select, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { formatTolerations, parseTolerations, type ProjectSettings } from "@/lib/projects";
import { updateProjectAction } from "@/server/actions/projects";

/** `key=value` lines ⇄ a label map. */
const toLines = (m?: Record<string, string>) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
const fromLines = (s: string) =>
  Object.fromEntries(
    s
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => [l.split("=")[0].trim(), l.split("=").slice(1).join("=").trim()]),
  );

/** The affinity field: YAML (or JSON) of a PodSpec `affinity`; empty for none. */
function parseAffinity(text: string): { ok: true; value: ProjectSettings["affinity"] } | { ok: false; error: string } {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    const v: unknown = parseYaml(text);
    if (!v || typeof v !== "object" || Array.isArray(v))
      return { ok: false, error: "a mapping with nodeAffinity, podAffinity or podAntiAffinity" };
    return { ok: true, value: v as ProjectSettings["affinity"] };
  } catch (e) {
    return { ok: false, error: `not YAML: ${(e as Error).message.split("\n")[0]}` };
  }
}

/**
 * Project settings the executors apply: executor, namespace, where build pods may run (node
 * selector, affinity, tolerations, priority), service account, quota and container defaults.
 * Errors from the server show next to their field.
 */
export function SettingsForm({
  slug,
  name,
  description,
  settings,
  namespace,
  canManage,
}: {
  slug: string;
  name: string;
  description: string | null;
  settings: ProjectSettings;
  namespace: string;
  canManage: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [f, setF] = useState({
    name,
    description: description ?? "",
    executor: settings.executor ?? "",
    namespace: settings.namespace ?? "",
    nodeSelector: toLines(settings.nodeSelector),
    serviceAccount: settings.serviceAccount ?? "",
    deployServiceAccount: settings.deployServiceAccount ?? "",
    tolerations: formatTolerations(settings.tolerations),
    affinity: settings.affinity ? toYaml(settings.affinity) : "",
    priorityClassName: settings.priorityClassName ?? "",
    cpu: settings.quota?.cpu ?? "",
    memory: settings.quota?.memory ?? "",
    pods: settings.quota?.pods?.toString() ?? "",
    defaultCpu: settings.limitRange?.defaultCpu ?? "",
    defaultMemory: settings.limitRange?.defaultMemory ?? "",
  });
  const [publicBadges, setPublicBadges] = useState(settings.publicBadges === true);
  const opt = (v: string) => v.trim() || undefined;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    // Fields with a notation of their own are read here; a mistake stays in the form, next to its field.
    const tolerations = parseTolerations(f.tolerations);
    const affinity = parseAffinity(f.affinity);
    if (!tolerations.ok || !affinity.ok) {
      setErrors({ ...(tolerations.ok ? {} : { tolerations: tolerations.error }), ...(affinity.ok ? {} : { affinity: affinity.error }) });
      toast({ tone: "error", title: "Settings not saved", description: "Fix the fields marked in red." });
      return;
    }
    // Privileged builds have their own control and action (PrivilegedBuilds): left out, the server keeps them.
    const { builds: _builds, ...kept } = settings;
    const next: ProjectSettings = {
      ...kept,
      executor: (opt(f.executor) as ProjectSettings["executor"]) ?? undefined,
      namespace: opt(f.namespace),
      nodeSelector: f.nodeSelector.trim() ? fromLines(f.nodeSelector) : undefined,
      serviceAccount: opt(f.serviceAccount),
      deployServiceAccount: opt(f.deployServiceAccount),
      tolerations: tolerations.value.length ? tolerations.value : undefined,
      affinity: affinity.value,
      priorityClassName: opt(f.priorityClassName),
      quota:
        f.cpu || f.memory || f.pods ? { cpu: opt(f.cpu), memory: opt(f.memory), pods: f.pods ? Number(f.pods) : undefined } : undefined,
      limitRange:
        f.defaultCpu || f.defaultMemory
          ? { ...settings.limitRange, defaultCpu: opt(f.defaultCpu), defaultMemory: opt(f.defaultMemory) }
          : undefined,
      publicBadges: publicBadges || undefined,
    };
    start(async () => {
      const r = await updateProjectAction(slug, { name: f.name, description: f.description || null, settings: next });
      if (r.ok) {
        setErrors({});
        toast({ tone: "success", title: "Settings saved" });
        router.refresh();
      } else {
        // A field's errors include those of its parts (`tolerations[1].effect` shows under Tolerations).
        setErrors(
          Object.fromEntries(
            (r.error.errors ?? []).map((x) => [
              x.path.replace(/^settings\./, "").replace(/^(tolerations|affinity|nodeSelector)\b.*$/, "$1"),
              x.message,
            ]),
          ),
        );
        toast({ tone: "error", title: "Settings not saved", description: r.error.message });
      }
    });
  };
  const text = (k: keyof typeof f, label: string, hint: string, errKey: string = k, multi = false) => {
    const C = multi ? Textarea : Input;
    return (
      <div className="grid gap-1">
        <Label htmlFor={`ps-${k}`}>{label}</Label>
        <C
          id={`ps-${k}`}
          value={f[k]}
          disabled={!canManage}
          aria-invalid={!!errors[errKey]}
          onChange={(e) => setF((s) => ({ ...s, [k]: e.target.value }))}
        />
        <p className={errors[errKey] ? "text-xs text-danger" : "text-xs text-muted"}>{errors[errKey] ?? hint}</p>
      </div>
    );
  };
  return (
    <form onSubmit={submit} className="grid max-w-2xl gap-4 p-4">
      {text("name", "Name", "Shown in the project switcher.")}
      {text("description", "Description", "Optional.", "description", true)}
      <div className="grid gap-1">
        <Label htmlFor="ps-executor">Executor</Label>
        <Select
          id="ps-executor"
          value={f.executor}
          disabled={!canManage}
          onChange={(e) => setF((s) => ({ ...s, executor: e.target.value }))}
        >
          <option value="">Server default</option>
          <option value="local">Local processes</option>
          <option value="kubernetes">Kubernetes Jobs</option>
        </Select>
      </div>
      {text("namespace", "Namespace", `Where this project's BuildJobs run; now ${namespace}.`)}
      {text("nodeSelector", "Node selector", "One key=value per line.", "nodeSelector", true)}
      {text(
        "affinity",
        "Affinity",
        "YAML of a pod affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a PodSpec.",
        "affinity",
        true,
      )}
      {text(
        "tolerations",
        "Tolerations",
        "One per line, as kubectl taint writes them: key=value:NoSchedule, key:NoExecute, key, or * for every taint.",
        "tolerations",
        true,
      )}
      {text("priorityClassName", "Priority class", "PriorityClass of build pods; empty for the cluster default.")}
      {text(
        "serviceAccount",
        "Service account",
        "Build pods run as this account, without its API token (deploy tasks use the deploy service account below).",
      )}
      {text(
        "deployServiceAccount",
        "Deploy service account",
        "Deploy tasks (helm-deploy, kubectl-apply) get this account's token, and no other task does; empty: they cannot run.",
      )}
      <fieldset className="grid grid-cols-3 gap-3">
        <legend className="mb-1 text-sm font-medium">Namespace quota</legend>
        {text("cpu", "CPU", "e.g. 8", "quota.cpu")}
        {text("memory", "Memory", "e.g. 16Gi", "quota.memory")}
        {text("pods", "Pods", "e.g. 50", "quota.pods")}
      </fieldset>
      <fieldset className="grid grid-cols-2 gap-3">
        <legend className="mb-1 text-sm font-medium">Container defaults (LimitRange)</legend>
        {text("defaultCpu", "CPU limit", "e.g. 1", "limitRange.defaultCpu")}
        {text("defaultMemory", "Memory limit", "e.g. 1Gi", "limitRange.defaultMemory")}
      </fieldset>
      <div className="grid gap-1">
        <label className="flex items-center gap-2 text-sm font-medium">
          <input
            type="checkbox"
            checked={publicBadges}
            disabled={!canManage}
            onChange={(e) => setPublicBadges(e.target.checked)}
            className="size-4 accent-[var(--accent)]"
          />
          Public status badges
        </label>
        <p className="text-xs text-muted">
          Anyone may load the pipelines&apos; badges (<code>/api/v1/pipelines/&lt;id&gt;/badge.svg?branch=main</code>) without signing in,
          for a README; they show only the pipeline&apos;s name and whether its newest run passed.
        </p>
      </div>
      {canManage && (
        <div>
          <Button type="submit" variant="primary" disabled={pending}>
            Save settings
          </Button>
        </div>
      )}
    </form>
  );
}
