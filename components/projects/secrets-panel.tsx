"use client";

import { KeyRound, Pencil, Plus, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { deleteSecretAction, putSecretAction } from "@/server/actions/secrets";

export interface SecretRow {
  name: string;
  description: string | null;
  createdBy: string | null;
  updatedAt: string;
}

type Editing = { mode: "add" } | { mode: "replace"; name: string; description: string | null } | null;

/**
 * The project's secrets. Everyone in the project sees the names; maintainers and owners add,
 * replace and delete them. A value is typed into a password field and never shown again: a
 * replace sets a new one without revealing the old.
 */
export function SecretsPanel({ slug, secrets, canManage }: { slug: string; secrets: SecretRow[]; canManage: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const [editing, setEditing] = useState<Editing>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [f, setF] = useState({ name: "", value: "", description: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});

  const open = (e: Editing) => {
    setErrors({});
    setF({ name: e?.mode === "replace" ? e.name : "", value: "", description: e?.mode === "replace" ? (e.description ?? "") : "" });
    setEditing(e);
  };

  const save = () =>
    start(async () => {
      const r = await putSecretAction(slug, f.name, { value: f.value, description: f.description.trim() || null });
      if (r.ok) {
        setF({ name: "", value: "", description: "" });
        setEditing(null);
        toast({ tone: "success", title: r.data.created ? `Secret ${r.data.name} added` : `Secret ${r.data.name} replaced` });
        router.refresh();
      } else {
        setErrors(Object.fromEntries((r.error.errors ?? []).map((e) => [e.path.split(".")[0] || "name", e.message])));
        if (!r.error.errors?.length) toast({ tone: "error", title: "Not saved", description: r.error.message });
      }
    });

  const remove = (name: string) =>
    start(async () => {
      const r = await deleteSecretAction(slug, name);
      setConfirming(null);
      if (r.ok) {
        toast({ tone: "success", title: `Secret ${name} deleted` });
        router.refresh();
      } else toast({ tone: "error", title: "Not deleted", description: r.error.message });
    });

  return (
    <div className="grid gap-3">
      <div className="flex items-center justify-between gap-2 p-3 pb-0">
        <p className="text-xs text-muted">
          Tasks get a secret as an environment variable when they list it under <code className="font-mono">secrets:</code>. Values are
          encrypted and masked in logs; nobody can read them back here.
        </p>
        {canManage && (
          <Button variant="primary" onClick={() => open({ mode: "add" })}>
            <Plus aria-hidden /> Add secret
          </Button>
        )}
      </div>
      {secrets.length === 0 ? (
        <EmptyState icon={KeyRound} title="No secrets yet">
          {canManage ? "Add one for tokens, passwords or keys your tasks need." : "Maintainers and owners can add secrets."}
        </EmptyState>
      ) : (
        <Table aria-label="Secrets">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Description</Th>
              <Th>Created by</Th>
              <Th>Updated</Th>
              {canManage && <Th className="w-28 text-right">Actions</Th>}
            </tr>
          </thead>
          <tbody>
            {secrets.map((s) => (
              <Tr key={s.name}>
                <Td>
                  <code className="font-mono font-medium">{s.name}</code>
                </Td>
                <Td className="text-muted">{s.description}</Td>
                <Td className="text-muted">{s.createdBy ?? "—"}</Td>
                <Td className="text-muted">
                  <RelativeTime date={s.updatedAt} />
                </Td>
                {canManage && (
                  <Td className="text-right whitespace-nowrap">
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Replace ${s.name}`}
                      disabled={pending}
                      onClick={() => open({ mode: "replace", name: s.name, description: s.description })}
                    >
                      <Pencil aria-hidden />
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Delete ${s.name}`}
                      disabled={pending}
                      onClick={() => setConfirming(s.name)}
                    >
                      <Trash2 aria-hidden />
                    </Button>
                  </Td>
                )}
              </Tr>
            ))}
          </tbody>
        </Table>
      )}

      <Dialog open={editing !== null} onOpenChange={(o) => !o && setEditing(null)}>
        <DialogContent
          title={editing?.mode === "replace" ? `Replace ${editing.name}` : "Add secret"}
          description={
            editing?.mode === "replace"
              ? "The old value is overwritten; it cannot be shown."
              : "The value is encrypted and never shown again."
          }
        >
          <form
            className="grid gap-3 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <div className="grid gap-1">
              <Label htmlFor="secret-name">Name</Label>
              <Input
                id="secret-name"
                value={f.name}
                readOnly={editing?.mode === "replace"}
                placeholder="DEPLOY_TOKEN"
                autoComplete="off"
                className="font-mono"
                onChange={(e) => setF({ ...f, name: e.target.value.toUpperCase() })}
                aria-invalid={!!errors.name}
              />
              {errors.name && <p className="text-xs text-danger">{errors.name}</p>}
            </div>
            <div className="grid gap-1">
              <Label htmlFor="secret-value">Value</Label>
              <Input
                id="secret-value"
                type="password"
                value={f.value}
                autoComplete="new-password"
                onChange={(e) => setF({ ...f, value: e.target.value })}
                aria-invalid={!!errors.value}
              />
              {errors.value && <p className="text-xs text-danger">{errors.value}</p>}
            </div>
            <div className="grid gap-1">
              <Label htmlFor="secret-description">Description (optional)</Label>
              <Input id="secret-description" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
              {errors.description && <p className="text-xs text-danger">{errors.description}</p>}
            </div>
            <div className="flex justify-end gap-2">
              <Button type="button" variant="ghost" onClick={() => setEditing(null)}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={pending || !f.name.trim() || !f.value}>
                {editing?.mode === "replace" ? "Replace value" : "Add secret"}
              </Button>
            </div>
          </form>
        </DialogContent>
      </Dialog>

      <Dialog open={confirming !== null} onOpenChange={(o) => !o && setConfirming(null)}>
        <DialogContent
          title={`Delete ${confirming}?`}
          description="Pipelines that use it will fail to start their tasks until it is added again."
        >
          <div className="flex justify-end gap-2 p-4">
            <Button variant="ghost" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button variant="danger" disabled={pending} onClick={() => confirming && remove(confirming)}>
              <Trash2 aria-hidden /> Delete secret
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </div>
  );
}
