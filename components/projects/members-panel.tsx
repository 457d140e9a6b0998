"use client";

import { Trash2, UserPlus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { ROLES, type Role } from "@/lib/projects";
import { removeMemberAction, setMemberAction } from "@/server/actions/projects";

export interface MemberRow {
  username: string;
  name: string;
  email: string | null;
  role: Role;
}

/** Members and their roles; owners add, change and remove (the last owner stays). */
export function MembersPanel({ slug, members, canManage }: { slug: string; members: MemberRow[]; canManage: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const run = (fn: () => Promise<{ ok: boolean; error?: { message: string } }>, done: string) =>
    start(async () => {
      const r = await fn();
      if (r.ok) {
        toast({ tone: "success", title: done });
        router.refresh();
      } else toast({ tone: "error", title: "Not changed", description: r.error?.message });
    });
  return (
    <div className="grid gap-3">
      {canManage && (
        <form
          className="flex flex-wrap items-end gap-2 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            run(() => setMemberAction(slug, username, role), `${username} is now ${role}`);
            setUsername("");
          }}
        >
          <div className="grid gap-1">
            <Label htmlFor="member-username">User name</Label>
            <Input id="member-username" value={username} onChange={(e) => setUsername(e.target.value)} className="w-56" />
          </div>
          <div className="grid gap-1">
            <Label htmlFor="member-role">Role</Label>
            <Select id="member-role" value={role} onChange={(e) => setRole(e.target.value as Role)} className="w-36">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          </div>
          <Button type="submit" variant="primary" disabled={pending || !username.trim()}>
            <UserPlus aria-hidden /> Add member
          </Button>
        </form>
      )}
      <Table aria-label="Members">
        <thead>
          <tr>
            <Th>User</Th>
            <Th>Email</Th>
            <Th className="w-44">Role</Th>
            {canManage && <Th className="w-24 text-right">Remove</Th>}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <Tr key={m.username}>
              <Td>
                <span className="font-medium">{m.name}</span> <span className="text-xs text-muted">@{m.username}</span>
              </Td>
              <Td className="text-muted">{m.email}</Td>
              <Td>
                {canManage ? (
                  <Select
                    aria-label={`Role of ${m.username}`}
                    value={m.role}
                    disabled={pending}
                    onChange={(e) => run(() => setMemberAction(slug, m.username, e.target.value), `${m.username} is now ${e.target.value}`)}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <span className="capitalize">{m.role}</span>
                )}
              </Td>
              {canManage && (
                <Td className="text-right">
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`Remove ${m.username}`}
                    disabled={pending}
                    onClick={() => run(() => removeMemberAction(slug, m.username), `Removed ${m.username}`)}
                  >
                    <Trash2 aria-hidden />
                  </Button>
                </Td>
              )}
            </Tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
