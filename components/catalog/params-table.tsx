import { Table, Td, Th, Tr } from "@/components/ui/table";
import { paramRows } from "./param-rows";

/** The params of a template, generated from its JSON Schema. */
export function ParamsTable({ schema }: { schema: Record<string, unknown> }) {
  const rows = paramRows(schema);
  if (rows.length === 0) return <p className="px-3 py-4 text-sm text-muted">This template takes no params.</p>;
  return (
    <Table aria-label="Params">
      <thead>
        <tr>
          <Th className="w-44">Name</Th>
          <Th className="w-36">Type</Th>
          <Th className="w-20">Required</Th>
          <Th className="w-32">Default</Th>
          <Th>Description</Th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <Tr key={r.name}>
            <Td className="font-mono text-xs">
              {r.name}
              {r.secret && <span className="ml-1.5 rounded border px-1 py-0.5 font-sans text-[10px] text-muted">secret</span>}
            </Td>
            <Td className="text-xs text-muted">{r.type}</Td>
            <Td className="text-xs">{r.required ? "yes" : "no"}</Td>
            <Td className="font-mono text-xs text-muted">{r.default ?? "—"}</Td>
            <Td className="text-sm text-muted">{r.description}</Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
