"use client";

import { Check, Copy, KeyRound, Plus, Trash2, TriangleAlert } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ApiTokenJson } from "@/lib/api-schemas";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { createTokenAction, revokeTokenAction } from "@/server/actions/tokens";

const SCOPES = [
  { value: "read", label: "read — look at pipelines, runs and logs" },
  { value: "run", label: "run — also start and cancel runs" },
  { value: "admin", label: "admin — everything you may do" },
] as const;
const EXPIRY = [
  { value: "never", label: "Never" },
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "date", label: "On a date…" },
] as const;

/** ISO time of the expiry choice; a chosen date expires at the end of that day (local time). */
function expiresAt(choice: string, date: string): string | null {
  if (choice === "never") return null;
  if (choice === "date") return date ? new Date(`${date}T23:59:59`).toISOString() : null;
  return new Date(Date.now() + Number(choice) * 86_400_000).toISOString();
}

/** Settings → API tokens: create (the secret is shown once), list, revoke. */
export function TokensPanel({ tokens }: { tokens: ApiTokenJson[] }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const [created, setCreated] = useState<(ApiTokenJson & { token: string }) | null>(null);

  const revoke = (t: ApiTokenJson) =>
    start(async () => {
      const r = await revokeTokenAction(t.id);
      if (r.ok) {
        toast({ tone: "success", title: `Revoked ${t.name}` });
        router.refresh();
      } else toast({ tone: "error", title: "Not revoked", description: r.error.message });
    });

  return (
    <div className="grid gap-4">
      {created && <CreatedToken token={created} onDone={() => setCreated(null)} />}
      <Card>
        <div className="flex items-center justify-between border-b px-4 py-2.5">
          <h2 className="text-sm font-semibold">Your tokens</h2>
          <NewTokenDialog
            onCreated={(t) => {
              setCreated(t);
              router.refresh();
            }}
          />
        </div>
        {tokens.length === 0 ? (
          <EmptyState icon={KeyRound} title="No API tokens yet">
            Create one for a script or the CLI.
          </EmptyState>
        ) : (
          <Table aria-label="API tokens">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th className="w-20">Scope</Th>
                <Th className="w-32">Created</Th>
                <Th className="w-32">Expires</Th>
                <Th className="w-32">Last used</Th>
                <Th className="w-20 text-right">Revoke</Th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <Tr key={t.id}>
                  <Td className="font-medium">
                    {t.name}
                    {t.expired && (
                      <span className="ml-2 rounded bg-danger-soft px-1.5 py-0.5 text-[11px] font-medium text-danger">expired</span>
                    )}
                  </Td>
                  <Td className="font-mono text-xs">{t.scope}</Td>
                  <Td className="text-muted">
                    <RelativeTime date={t.createdAt} />
                  </Td>
                  <Td className="text-muted">{t.expiresAt ? <RelativeTime date={t.expiresAt} /> : "never"}</Td>
                  <Td className="text-muted">{t.lastUsedAt ? <RelativeTime date={t.lastUsedAt} /> : "never"}</Td>
                  <Td className="text-right">
                    <ConfirmRevoke name={t.name} disabled={pending} onConfirm={() => revoke(t)} />
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

function ConfirmRevoke({ name, disabled, onConfirm }: { name: string; disabled: boolean; onConfirm: () => void }) {
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost" aria-label={`Revoke ${name}`} disabled={disabled}>
          <Trash2 aria-hidden />
        </Button>
      </DialogTrigger>
      <DialogContent title={`Revoke ${name}?`} description="Scripts using it get 401 from the next request on. This cannot be undone.">
        <div className="flex justify-end gap-2 p-4">
          <DialogClose asChild>
            <Button>Keep it</Button>
          </DialogClose>
          <DialogClose asChild>
            <Button variant="danger" onClick={onConfirm}>
              Revoke token
            </Button>
          </DialogClose>
        </div>
      </DialogContent>
    </Dialog>
  );
}

/** A chosen expiry day, tomorrow at the earliest (as of when the field appeared). */
function ExpiryDate({ value, onChange }: { value: string; onChange: (date: string) => void }) {
  const [min] = useState(() => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
  return <Input aria-label="Expiry date" type="date" value={value} min={min} onChange={(e) => onChange(e.target.value)} />;
}

function NewTokenDialog({ onCreated }: { onCreated: (t: ApiTokenJson & { token: string }) => void }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: "", scope: "read", expiry: "30", date: "" });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    start(async () => {
      const r = await createTokenAction({
        name: form.name,
        scope: form.scope as ApiTokenJson["scope"],
        expiresAt: expiresAt(form.expiry, form.date),
      });
      if (r.ok) {
        setOpen(false);
        setForm({ name: "", scope: "read", expiry: "30", date: "" });
        onCreated(r.data);
        toast({ tone: "success", title: `Created ${r.data.name}` });
      } else setError(r.error.message);
    });
  };
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="primary" size="sm">
          <Plus aria-hidden /> New token
        </Button>
      </DialogTrigger>
      <DialogContent title="New API token" description="The token is shown once, right after it is created.">
        <form onSubmit={submit} className="grid gap-3 p-4">
          <div className="grid gap-1">
            <Label htmlFor="tok-name">Name</Label>
            <Input
              id="tok-name"
              value={form.name}
              maxLength={100}
              placeholder="e.g. deploy script"
              onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="tok-scope">Scope</Label>
            <Select id="tok-scope" value={form.scope} onChange={(e) => setForm((f) => ({ ...f, scope: e.target.value }))}>
              {SCOPES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </Select>
          </div>
          <div className="grid gap-1">
            <Label htmlFor="tok-expiry">Expires</Label>
            <Select id="tok-expiry" value={form.expiry} onChange={(e) => setForm((f) => ({ ...f, expiry: e.target.value }))}>
              {EXPIRY.map((x) => (
                <option key={x.value} value={x.value}>
                  {x.label}
                </option>
              ))}
            </Select>
            {form.expiry === "date" && <ExpiryDate value={form.date} onChange={(date) => setForm((f) => ({ ...f, date }))} />}
          </div>
          {error && (
            <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
              {error}
            </p>
          )}
          <div className="flex justify-end">
            <Button type="submit" variant="primary" disabled={pending || !form.name.trim() || (form.expiry === "date" && !form.date)}>
              Create token
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function CreatedToken({ token, onDone }: { token: ApiTokenJson & { token: string }; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(token.token);
    setCopied(true);
  };
  return (
    <section aria-label="New token" className="rounded-lg border border-st-waiting/50 bg-surface p-4">
      <p className="mb-2 flex items-center gap-2 text-sm font-medium">
        <TriangleAlert className="size-4 text-st-waiting" aria-hidden />
        Copy the token “{token.name}” now: it is not shown again.
      </p>
      <div className="flex items-center gap-2">
        <Input
          readOnly
          aria-label="New token value"
          value={token.token}
          className="font-mono text-xs"
          onFocus={(e) => e.currentTarget.select()}
        />
        <Button onClick={copy} aria-label="Copy token">
          {copied ? <Check aria-hidden /> : <Copy aria-hidden />}
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}
