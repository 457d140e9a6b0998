import { cn } from "@/components/ui/cn";
import type { SideRow } from "@/lib/diff/line-diff";

const cell = {
  same: "",
  del: "bg-danger-soft",
  add: "bg-accent-soft",
} as const;

/** Two texts side by side, line numbers and removed/added lines marked (version and conflict diffs). */
export function SideBySideTable({ rows, left, right }: { rows: SideRow[]; left: string; right: string }) {
  return (
    <table className="w-full table-fixed border-collapse font-mono text-xs" aria-label="Side-by-side diff">
      <thead>
        <tr className="text-left text-muted">
          <th scope="col" className="w-10 border-b px-2 py-1 font-normal" />
          <th scope="col" className="border-b border-r px-2 py-1 font-sans font-medium">
            {left}
          </th>
          <th scope="col" className="w-10 border-b px-2 py-1 font-normal" />
          <th scope="col" className="border-b px-2 py-1 font-sans font-medium">
            {right}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td className={cn("px-2 text-right text-muted select-none", r.left && cell[r.left.kind])}>{r.left?.line}</td>
            <td
              className={cn("border-r px-2 whitespace-pre-wrap break-all", r.left ? cell[r.left.kind] : "bg-surface-2")}
              data-kind={r.left?.kind}
            >
              {r.left?.kind === "del" && <span className="sr-only">removed: </span>}
              {r.left?.text}
            </td>
            <td className={cn("px-2 text-right text-muted select-none", r.right && cell[r.right.kind])}>{r.right?.line}</td>
            <td
              className={cn("px-2 whitespace-pre-wrap break-all", r.right ? cell[r.right.kind] : "bg-surface-2")}
              data-kind={r.right?.kind}
            >
              {r.right?.kind === "add" && <span className="sr-only">added: </span>}
              {r.right?.text}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
