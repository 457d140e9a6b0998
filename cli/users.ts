import { parseArgs } from "node:util";
import { ApiError, type Client } from "./client";
import { UsageError } from "./usage-error";

/** `gantry users …`: site administrators manage users (list, create, disable, enable, delete, unlock). */

export const USERS_USAGE = `  users ls                                 every user, with status, role and last sign-in
  users create USERNAME --name NAME [--email E] [--role admin|user] [--password-stdin]
                                           add a user; without a password they sign in only through SSO
  users disable USER | users enable USER   end a user's sessions and tokens at once / let them back in
  users delete USER --yes                  delete a user (their history keeps their name)
  users unlock USER                        lift a user's sign-in lock and delays (USER: name or id)`;

interface UserRow {
  id: string;
  username: string;
  name: string;
  email: string | null;
  role: string;
  disabled: boolean;
  lastSignInAt: string | null;
  lockedUntil: string | null;
  delayedAddresses: number;
}

export interface CliContext {
  client: () => Client;
  log: (s: string) => void;
  table: (rows: string[][]) => void;
  readStdin: () => Promise<string>;
}

async function findUser(c: Client, ref: string): Promise<UserRow> {
  const { items } = await c.get<{ items: UserRow[] }>("/api/v1/users");
  const u = items.find((x) => x.id === ref) ?? items.find((x) => x.username === ref.toLowerCase());
  if (!u) throw new ApiError(404, "not_found", `no user '${ref}'`);
  return u;
}

const when = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 16) : "never");
const statusOf = (u: UserRow) => (u.disabled ? "disabled" : u.lockedUntil ? "locked" : u.delayedAddresses ? "delayed" : "active");

export async function users(args: string[], ctx: CliContext) {
  const [sub, ...rest] = args;
  const c = ctx.client();
  switch (sub) {
    case "ls":
    case "list": {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } } });
      const { items } = await c.get<{ items: UserRow[] }>("/api/v1/users");
      if (values.json) return ctx.log(JSON.stringify(items));
      ctx.table([
        ["USERNAME", "NAME", "ROLE", "STATUS", "LAST SIGN-IN", "ID"],
        ...items.map((u) => [u.username, u.name, u.role, statusOf(u), when(u.lastSignInAt), u.id]),
      ]);
      return;
    }
    case "create": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          name: { type: "string" },
          email: { type: "string" },
          role: { type: "string" },
          "password-stdin": { type: "boolean" },
          json: { type: "boolean" },
        },
      });
      if (positionals.length !== 1) throw new UsageError("users create needs one USERNAME");
      if (values.role && values.role !== "admin" && values.role !== "user")
        throw new UsageError(`--role must be 'admin' or 'user', got '${values.role}'`);
      const password = values["password-stdin"] ? await ctx.readStdin() : undefined;
      if (values["password-stdin"] && !password) throw new UsageError("--password-stdin given but standard input was empty");
      const body = { username: positionals[0], name: values.name ?? positionals[0], email: values.email, role: values.role, password };
      const u = await c.request<UserRow>("POST", "/api/v1/users", body);
      if (values.json) return ctx.log(JSON.stringify(u));
      ctx.log(
        `Created user ${u.username} (${u.role}, id ${u.id})${password ? "" : "; without a password they sign in only through single sign-on"}`,
      );
      return;
    }
    case "disable":
    case "enable":
    case "delete":
    case "unlock": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { yes: { type: "boolean", short: "y" }, json: { type: "boolean" } },
      });
      if (positionals.length !== 1) throw new UsageError(`users ${sub} needs one USER (user name or id)`);
      const u = await findUser(c, positionals[0]);
      const path = `/api/v1/users/${encodeURIComponent(u.id)}`;
      if (sub === "delete") {
        if (!values.yes) throw new UsageError(`users delete removes '${u.username}' for good: add --yes to confirm`);
        await c.request("DELETE", path);
        return values.json
          ? ctx.log(JSON.stringify({ id: u.id, username: u.username, deleted: true }))
          : ctx.log(`Deleted user ${u.username}; their tokens and sessions no longer work.`);
      }
      if (sub === "unlock") {
        const r = await c.request<{ cleared: number }>("POST", `${path}/unlock`);
        return values.json
          ? ctx.log(JSON.stringify(r))
          : ctx.log(
              r.cleared
                ? `Unlocked ${u.username} (${r.cleared} lock${r.cleared === 1 ? "" : "s"} lifted).`
                : `${u.username} was not locked; failure counts cleared.`,
            );
      }
      const r = await c.request<UserRow>("PATCH", path, { disabled: sub === "disable" });
      if (values.json) return ctx.log(JSON.stringify(r));
      ctx.log(sub === "disable" ? `Disabled ${u.username}; their sessions and tokens stopped working.` : `Enabled ${u.username}.`);
      return;
    }
    default:
      throw new UsageError(`unknown command 'users ${sub ?? ""}': use 'users ls', 'create', 'disable', 'enable', 'delete' or 'unlock'`);
  }
}
