"use client";

import { Ban, CircleCheck, LockOpen, Plus, Trash2, Users } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { UserJson } from "@/lib/api-schemas";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { createUserAction, deleteUserAction, unlockUserAction, updateUserAction } from "@/server/actions/users";

type Result = { ok: true } | { ok: false; error: { message: string } };

function StatusBadge({ u }: { u: UserJson }) {
  const [text, tone] = u.disabled
    ? ["disabled", "bg-surface-2 text-muted"]
    : u.lockedUntil
      ? ["locked", "bg-danger-soft text-danger"]
      : u.delayedAddresses > 0
        ? ["sign-in delayed", "bg-surface-2 text-st-waiting"]
        : ["active", "bg-accent-soft text-accent"];
  return <span className={`rounded px-1.5 py-0.5 text-[11px] font-medium ${tone}`}>{text}</span>;
}

/** Settings → Users: list with status, role and last sign-in; add, disable/enable, unlock, delete. */
export function UsersPanel({ users, me }: { users: UserJson[]; me: string }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();

  const run = (title: string, fn: () => Promise<Result>) =>
    start(async () => {
      const r = await fn();
      if (r.ok) {
        toast({ tone: "success", title });
        router.refresh();
      } else toast({ tone: "error", title: "Not done", description: r.error.message });
    });

  return (
    <Card>
      <div className="flex items-center justify-between border-b px-4 py-2.5">
        <h2 className="text-sm font-semibold">All users</h2>
        <NewUserDialog onCreated={() => router.refresh()} />
      </div>
      {users.length === 0 ? (
        <EmptyState icon={Users} title="No users">
          Add one with “New user”.
        </EmptyState>
      ) : (
        <Table aria-label="Users">
          <thead>
            <tr>
              <Th>User</Th>
              <Th className="w-20">Role</Th>
              <Th className="w-32">Status</Th>
              <Th className="w-32">Last sign-in</Th>
              <Th className="w-48 text-right">Actions</Th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <Tr key={u.id} aria-label={u.username}>
                <Td>
                  <span className="font-medium">{u.username}</span>
                  <span className="ml-2 text-muted">{u.name}</span>
                  {u.id === me && <span className="ml-2 text-[11px] text-muted">(you)</span>}
                </Td>
                <Td className="font-mono text-xs">{u.role}</Td>
                <Td>
                  <StatusBadge u={u} />
                </Td>
                <Td className="text-muted">{u.lastSignInAt ? <RelativeTime date={u.lastSignInAt} /> : "never"}</Td>
                <Td className="text-right">
                  <div className="flex justify-end gap-1">
                    {(u.lockedUntil || u.delayedAddresses > 0) && (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Unlock ${u.username}`}
                        disabled={pending}
                        onClick={() => run(`Unlocked ${u.username}`, () => unlockUserAction(u.id))}
                      >
                        <LockOpen aria-hidden />
                      </Button>
                    )}
                    {u.id !== me &&
                      (u.disabled ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Enable ${u.username}`}
                          disabled={pending}
                          onClick={() => run(`Enabled ${u.username}`, () => updateUserAction(u.id, { disabled: false }))}
                        >
                          <CircleCheck aria-hidden />
                        </Button>
                      ) : (
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Disable ${u.username}`}
                          disabled={pending}
                          onClick={() => run(`Disabled ${u.username}`, () => updateUserAction(u.id, { disabled: true }))}
                        >
                          <Ban aria-hidden />
                        </Button>
                      ))}
                    {u.id !== me && (
                      <ConfirmDelete
                        username={u.username}
                        disabled={pending}
                        onConfirm={() => run(`Deleted ${u.username}`, () => deleteUserAction(u.id))}
                      />
                    )}
                  </div>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function ConfirmDelete({ username, disabled, onConfirm }: { username: string; disabled: boolean; onConfirm: () => void }) {
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost" aria-label={`Delete ${username}`} disabled={disabled}>
          <Trash2 aria-hidden />
        </Button>
      </DialogTrigger>
      <DialogContent
        title={`Delete ${username}?`}
        description="Their sessions and API tokens stop working at once and they leave every project. Runs, versions and the audit trail keep their name, which cannot be given to a new user. This cannot be undone."
      >
        <div className="flex justify-end gap-2 p-4">
          <DialogClose asChild>
            <Button>Keep the user</Button>
          </DialogClose>
          <DialogClose asChild>
            <Button variant="danger" onClick={onConfirm}>
              Delete user
            </Button>
          </DialogClose>
        </div>
      </DialogContent>
    </Dialog>
  );
}

const EMPTY = { username: "", name: "", email: "", password: "", role: "user" };

function NewUserDialog({ onCreated }: { onCreated: () => void }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY);
  const set = (k: keyof typeof EMPTY) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    start(async () => {
      const r = await createUserAction({
        username: form.username.trim(),
        name: form.name.trim() || form.username.trim(),
        email: form.email.trim() || undefined,
        password: form.password || undefined,
        role: form.role as "admin" | "user",
      });
      if (r.ok) {
        setOpen(false);
        setForm(EMPTY);
        onCreated();
        toast({ tone: "success", title: `Added ${r.data.username}` });
      } else setError(r.error.message);
    });
  };
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="primary" size="sm">
          <Plus aria-hidden /> New user
        </Button>
      </DialogTrigger>
      <DialogContent title="New user" description="Without a password the user signs in only through single sign-on.">
        <form onSubmit={submit} className="grid gap-3 p-4">
          <div className="grid gap-1">
            <Label htmlFor="user-username">Username</Label>
            <Input
              id="user-username"
              value={form.username}
              maxLength={64}
              autoComplete="off"
              placeholder="e.g. alice"
              onChange={set("username")}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="user-name">Full name</Label>
            <Input id="user-name" value={form.name} maxLength={200} onChange={set("name")} />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="user-email">Email (optional)</Label>
            <Input id="user-email" type="email" value={form.email} maxLength={254} onChange={set("email")} />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="user-password">Password (optional, at least 12 characters)</Label>
            <Input
              id="user-password"
              type="password"
              value={form.password}
              maxLength={200}
              autoComplete="new-password"
              onChange={set("password")}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="user-role">Role</Label>
            <Select id="user-role" value={form.role} onChange={set("role")}>
              <option value="user">user — works in the projects they are a member of</option>
              <option value="admin">admin — site administrator</option>
            </Select>
          </div>
          {error && (
            <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
              {error}
            </p>
          )}
          <div className="flex justify-end">
            <Button type="submit" variant="primary" disabled={pending || !form.username.trim()}>
              Add user
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
