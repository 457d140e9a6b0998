"use client";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/**
 * CPU and memory requests and limits of the task's container (Kubernetes executor only), over
 * the template's defaults, which show as placeholders. Other resources stay in the YAML.
 */
export function ResourcesEditor({
  resources,
  template,
  onChange,
}: {
  resources: Resources;
  template?: Resources;
  onChange: (r: Resources) => void;
}) {
  const field = (kind: "requests" | "limits", name: "cpu" | "memory", label: string) => {
    const id = `task-${kind}-${name}`;
    const set = (v: string) => {
      // An edited quantity keeps its place among the others (and so in the YAML); an emptied one goes.
      const { [name]: _removed, ...others } = resources[kind] ?? {};
      onChange({ ...resources, [kind]: v.trim() ? { ...resources[kind], [name]: v.trim() } : others });
    };
    const fallback = template?.[kind]?.[name];
    return (
      <div className="flex flex-col gap-1">
        <Label htmlFor={id}>{label}</Label>
        <Input
          id={id}
          value={String(resources[kind]?.[name] ?? "")}
          placeholder={fallback ? `${fallback} (template)` : "none"}
          className="font-mono text-xs"
          onChange={(e) => set(e.target.value)}
        />
      </div>
    );
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="grid grid-cols-2 gap-3">
        {field("requests", "cpu", "CPU request")}
        {field("limits", "cpu", "CPU limit")}
        {field("requests", "memory", "Memory request")}
        {field("limits", "memory", "Memory limit")}
      </div>
      <p className="text-[11px] leading-snug text-muted">Quantities such as 500m, 2 or 1Gi; used by the Kubernetes executor only.</p>
    </div>
  );
}
