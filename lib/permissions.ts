import type { Role } from "./projects";

/**
 * The permission matrix: what each project role may do. This table is the one source of truth —
 * server/authz enforces it for the REST API, server actions and pages, the UI hides what it
 * forbids, docs/permissions.md prints it, and tests walk it.
 */
export const ACTIONS = [
  "project.view", //      see the project, its pipelines, runs, logs and members
  "pipeline.edit", //     create, save, restore, upgrade, delete pipelines
  "run.start", //         start and re-run runs
  "run.cancel", //        cancel runs
  "run.approve", //       be named an approver by role (named users may approve regardless)
  "secret.manage", //     create, replace, delete secrets (values are never shown again)
  "template.manage", //   add, edit, deprecate, delete the project's templates
  "audit.view", //        read the project's audit trail
  "builds.manage", //     allow or forbid privileged builds (root image builders, Pod Security baseline)
  "member.manage", //     add, remove and change the role of members
  "project.manage", //    change settings (executor, namespace, quota), rename, delete the project
] as const;
export type Action = (typeof ACTIONS)[number];

/** The weakest role that may do each action; every stronger role may too. */
export const MIN_ROLE: Record<Action, Role> = {
  "project.view": "viewer",
  "pipeline.edit": "developer",
  "run.start": "developer",
  "run.cancel": "developer",
  "run.approve": "developer",
  "secret.manage": "maintainer",
  "template.manage": "maintainer",
  "audit.view": "maintainer",
  "builds.manage": "maintainer",
  "member.manage": "owner",
  "project.manage": "owner",
};

/** API token scopes: a token can never do more than its scope, whatever its owner's role. */
export const SCOPES = ["read", "run", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
export const SCOPE_NEEDED: Record<Action, Scope> = {
  "project.view": "read",
  "audit.view": "read",
  "run.start": "run",
  "run.cancel": "run",
  "run.approve": "run",
  "pipeline.edit": "admin",
  "secret.manage": "admin",
  "template.manage": "admin",
  "builds.manage": "admin",
  "member.manage": "admin",
  "project.manage": "admin",
};

export const ACTION_LABELS: Record<Action, string> = {
  "project.view": "See pipelines, runs, logs and members",
  "pipeline.edit": "Create and edit pipelines",
  "run.start": "Start and re-run runs",
  "run.cancel": "Cancel runs",
  "run.approve": "Approve when named by role",
  "secret.manage": "Manage secrets",
  "template.manage": "Manage the project's templates",
  "audit.view": "Read the audit trail",
  "builds.manage": "Allow privileged builds",
  "member.manage": "Manage members",
  "project.manage": "Change project settings",
};

const RANK: Record<Role, number> = { viewer: 0, developer: 1, maintainer: 2, owner: 3 };
const SCOPE_RANK: Record<Scope, number> = { read: 0, run: 1, admin: 2 };

export const roleAllows = (role: Role | null | undefined, action: Action) => !!role && RANK[role] >= RANK[MIN_ROLE[action]];
export const scopeAllows = (scope: Scope, action: Action) => SCOPE_RANK[scope] >= SCOPE_RANK[SCOPE_NEEDED[action]];
export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** Actions a role may do, for the UI to show or hide controls. */
export const allowedActions = (role: Role | null | undefined): Action[] => ACTIONS.filter((a) => roleAllows(role, a));
