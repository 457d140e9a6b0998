import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { memberJson, projectJson } from "../http/present";
import { byProject, defineOperation, defineView } from "../operations/define";
import { projectChoices } from "./projects";
import {
  createProject,
  deleteProject,
  getProject,
  listMembers,
  listProjects,
  removeMember,
  setMember,
  setPrivilegedBuilds,
  updateProject,
} from "./projects";

/** Projects and their members: what callers may do to them, declared once (server/operations). */

const ProjectParams = z.object({ project: z.string().meta({ description: "project slug (or id)" }) });
const NOT_FOUND = "No such project, or one the caller is not a member of";

export const listProjectsOp = defineOperation({
  name: "project.list",
  summary: "Projects the caller belongs to (site administrators: all), with the caller's role in each",
  method: "GET",
  path: "/api/v1/projects",
  tags: ["projects"],
  output: S.ProjectListSchema,
  authorize: "authenticated",
  run: async ({ db, actor }) => ({ items: (await listProjects(db, actor)).map(projectJson) }),
});

export const createProjectOp = defineOperation({
  name: "project.create",
  summary: "Create a project; the caller becomes its owner",
  description: "Any signed-in user may; a token needs the `admin` scope.",
  method: "POST",
  path: "/api/v1/projects",
  tags: ["projects"],
  body: S.CreateProjectBodySchema,
  output: S.ProjectCreatedSchema,
  status: 201,
  errors: { 409: "The slug is taken" },
  // No project yet: only the token's scope is checked (project.manage needs `admin`).
  authorize: { permission: "project.manage" },
  // The project, its owner and the audit record are written in one transaction, inside createProject.
  run: ({ db, actor }, i) => createProject(db, actor, i.body),
});

export const getProjectOp = defineOperation({
  name: "project.get",
  summary: "One project with its settings and the caller's role",
  method: "GET",
  path: "/api/v1/projects/{project}",
  tags: ["projects"],
  params: ProjectParams,
  output: S.ProjectSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byProject("project") },
  run: async ({ db, actor, project }) => projectJson(await getProject(db, actor, project)),
});

export const updateProjectOp = defineOperation({
  name: "project.update",
  summary: "Change the name, description and settings (executor, namespace, node selector, quota…)",
  method: "PATCH",
  path: "/api/v1/projects/{project}",
  tags: ["projects"],
  params: ProjectParams,
  body: S.UpdateProjectBodySchema,
  output: S.ProjectSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.manage", project: byProject("project") },
  // Audited in the same transaction as the change, inside updateProject.
  run: async ({ db, actor, project }, i) => projectJson(await updateProject(db, actor, project, i.body)),
});

export const setProjectBuildsOp = defineOperation({
  name: "project.builds",
  summary: "Allow or forbid privileged builds: templates with runAsRoot (kaniko) run as uid 0, the namespace is Pod Security baseline",
  method: "PUT",
  path: "/api/v1/projects/{project}/builds",
  tags: ["projects"],
  params: ProjectParams,
  body: S.SetProjectBuildsBodySchema,
  output: S.ProjectSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "builds.manage", project: byProject("project") },
  // Audited in the same transaction as the change, inside setPrivilegedBuilds.
  run: async ({ db, actor, project }, i) => projectJson(await setPrivilegedBuilds(db, actor, project, i.body.privileged)),
});

export const deleteProjectOp = defineOperation({
  name: "project.delete",
  summary: "Delete an empty project",
  method: "DELETE",
  path: "/api/v1/projects/{project}",
  tags: ["projects"],
  params: ProjectParams,
  status: 204,
  errors: { 404: NOT_FOUND, 409: "The project still has pipelines or templates, or it is the default project" },
  authorize: { permission: "project.manage", project: byProject("project") },
  run: ({ db, actor, project }) => deleteProject(db, actor, project),
});

export const listMembersOp = defineOperation({
  name: "member.list",
  summary: "The project's members and their roles",
  method: "GET",
  path: "/api/v1/projects/{project}/members",
  tags: ["projects"],
  params: ProjectParams,
  output: S.MemberListSchema,
  errors: { 404: NOT_FOUND },
  authorize: { permission: "project.view", project: byProject("project") },
  run: async ({ db, project }) => ({ items: (await listMembers(db, project.projectId)).map(memberJson) }),
});

const MemberParams = ProjectParams.extend({ username: z.string().meta({ description: "the user's username" }) });

export const setMemberOp = defineOperation({
  name: "member.set",
  summary: "Add the user as a member with `role`, or change their role",
  method: "PUT",
  path: "/api/v1/projects/{project}/members/{username}",
  tags: ["projects"],
  params: MemberParams,
  body: S.SetMemberBodySchema,
  output: S.SetMemberResultSchema,
  errors: { 404: NOT_FOUND, 409: "That would leave the project without an owner", 422: "No such user, or a bad role" },
  authorize: { permission: "member.manage", project: byProject("project") },
  run: ({ db, actor, project }, i) => setMember(db, actor, project, i.username, i.body.role),
});

export const removeMemberOp = defineOperation({
  name: "member.remove",
  summary: "Remove a member",
  method: "DELETE",
  path: "/api/v1/projects/{project}/members/{username}",
  tags: ["projects"],
  params: MemberParams,
  status: 204,
  errors: { 404: "No such project or member", 409: "That would leave the project without an owner" },
  authorize: { permission: "member.manage", project: byProject("project") },
  run: ({ db, actor, project }, i) => removeMember(db, actor, project, i.username),
});

/** The project switcher's choices: the projects the caller belongs to, by name (the app's layout). */
export const projectChoicesView = defineView({
  name: "project.choices",
  summary: "Projects the caller belongs to, slug and name, for the project switcher",
  authorize: "authenticated",
  run: ({ db, actor }) => projectChoices(db, actor),
});

export const projectOperations = [
  listProjectsOp,
  createProjectOp,
  getProjectOp,
  updateProjectOp,
  setProjectBuildsOp,
  deleteProjectOp,
  listMembersOp,
  setMemberOp,
  removeMemberOp,
];
