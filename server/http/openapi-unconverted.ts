/**
 * Hand-written OpenAPI paths of the routes not yet declared as operations (issue 18, step 1 is
 * converting them aggregate by aggregate). A method declared by an operation replaces its entry
 * here; delete an entry when its route is converted, and this file with the last one.
 */

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: string) => ({ "application/json": { schema: ref(id) } });
const ok = (id: string, description = "OK") => ({ description, content: jsonContent(id) });
const err = (description: string) => ({ description, content: jsonContent("Error") });

const E = {
  400: err("Malformed request: invalid JSON/YAML or query parameter"),
  401: err("Missing or invalid credentials"),
  403: err("The token's scope, or the caller's role in the project, does not allow this call (the message names what is needed)"),
  404: err("No such resource, or one in a project the caller is not a member of"),
  409: err("Conflict"),
  413: err("Request body over the size limit (GANTRY_MAX_BODY_BYTES)"),
  415: err("Unsupported Content-Type"),
  422: err("Validation failed; `details.errors` lists each field path (and YAML line)"),
  503: err("The database is unavailable"),
};
const common = { 401: E[401], 403: E[403], 503: E[503] };

const idParam = (name: string, description: string) => ({ name, in: "path", required: true, schema: { type: "string" }, description });
const queryParam = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: "query", required: false, schema, description });

const specBody = {
  required: true,
  description: "A pipeline spec as JSON or YAML (YAML is stored as written, comments included).",
  content: { "application/json": { schema: ref("PipelineSpec") }, "application/yaml": { schema: ref("PipelineSpec") } },
};
const templateBody = {
  required: true,
  description: "A template definition as JSON or YAML (the format of templates/*.yaml).",
  content: { "application/json": { schema: ref("TemplateDefinition") }, "application/yaml": { schema: ref("TemplateDefinition") } },
};
const messageParams = [
  { name: "X-Gantry-Message", in: "header", required: false, schema: { type: "string" }, description: "Version message (percent-encode non-ASCII)." },
  queryParam("message", { type: "string" }, "Version message (alternative to the header)."),
];

const jsonBody = (id: string) => ({ required: true, content: jsonContent(id) });
const auditParams = [
  queryParam("actor", { type: "string" }, "only this user's actions"),
  queryParam("action", { type: "string" }, "`run` matches every run.* action; `run.cancel` only that one"),
  queryParam("targetType", { type: "string" }, "pipeline, run, template, project, member, secret, token, user"),
  queryParam("since", { type: "string", format: "date-time" }, "from this time"),
  queryParam("until", { type: "string", format: "date-time" }, "up to this time"),
  queryParam("before", { type: "integer" }, "keyset cursor: the `next` of the previous page"),
  queryParam("limit", { type: "integer", minimum: 1, maximum: 200, default: 50 }, "events per page"),
];

const sse = (description: string, dataSchemas: string[]) => ({
  description,
  content: { "text/event-stream": { schema: { type: "string" }, "x-event-data": dataSchemas.map(ref) } },
});

export const UNCONVERTED_PATHS: Record<string, Record<string, unknown>> = {
      "/api/v1/templates": {
        get: { tags: ["templates"], operationId: "listTemplates", summary: "The template catalog", responses: { 200: ok("TemplateList"), ...common } },
        post: {
          tags: ["templates"],
          operationId: "createTemplate",
          summary: "Add a user template (its version 1); admin scope",
          requestBody: templateBody,
          responses: { 201: ok("TemplateSaved", "Created"), 400: E[400], 409: err("The name exists or is a built-in"), 413: E[413], 415: E[415], 422: E[422], ...common },
        },
      },
      "/api/v1/templates/{name}": {
        get: {
          tags: ["templates"],
          operationId: "getTemplate",
          summary: "One template (latest version) with its params JSON Schema",
          parameters: [idParam("name", "template name")],
          responses: { 200: ok("Template"), 404: E[404], ...common },
        },
        put: {
          tags: ["templates"],
          operationId: "updateTemplate",
          summary: "Add a version of a user template (pinned pipelines keep theirs); admin scope",
          parameters: [idParam("name", "template name")],
          requestBody: templateBody,
          responses: { 200: ok("TemplateSaved"), 400: E[400], 403: err("Built-in templates cannot be edited"), 404: E[404], 413: E[413], 415: E[415], 422: E[422], 401: E[401], 503: E[503] },
        },
        delete: {
          tags: ["templates"],
          operationId: "deleteTemplate",
          summary: "Delete a user template no pipeline version uses; admin scope",
          parameters: [idParam("name", "template name")],
          responses: { 204: { description: "Deleted" }, 403: err("Built-in templates cannot be deleted"), 404: E[404], 409: err("In use: `details.pipelines` lists who uses it; deprecate instead"), 401: E[401], 503: E[503] },
        },
      },
      "/api/v1/templates/{name}/deprecate": {
        post: {
          tags: ["templates"],
          operationId: "deprecateTemplate",
          summary: "Deprecate: pipelines using it keep it, new tasks cannot add it",
          parameters: [idParam("name", "template name")],
          responses: { 200: ok("TemplateDeprecated"), 403: err("Built-in templates cannot be deprecated"), 404: E[404], 401: E[401], 503: E[503] },
        },
        delete: {
          tags: ["templates"],
          operationId: "undeprecateTemplate",
          summary: "Take a deprecation back",
          parameters: [idParam("name", "template name")],
          responses: { 200: ok("TemplateDeprecated"), 403: E[403], 404: E[404], 401: E[401], 503: E[503] },
        },
      },
      "/api/v1/templates/{name}/versions": {
        get: {
          tags: ["templates"],
          operationId: "listTemplateVersions",
          summary: "A template's versions, newest first",
          parameters: [idParam("name", "template name")],
          responses: { 200: ok("TemplateVersionList"), 404: E[404], ...common },
        },
      },
      "/api/v1/templates/{name}/versions/{n}": {
        get: {
          tags: ["templates"],
          operationId: "getTemplateVersion",
          summary: "One version of a template",
          parameters: [idParam("name", "template name"), { name: "n", in: "path", required: true, schema: { type: "integer", minimum: 1 } }],
          responses: { 200: ok("TemplateVersion"), 400: E[400], 404: E[404], ...common },
        },
      },
      "/api/v1/pipelines/{id}/schedules": {
        get: {
          tags: ["schedules"],
          operationId: "listSchedules",
          summary: "The pipeline's cron schedules, with their next ticks and listed runs",
          parameters: [idParam("id", "pipeline id")],
          responses: { 200: ok("ScheduleList"), 404: E[404], ...common },
        },
        post: {
          tags: ["schedules"],
          operationId: "createSchedule",
          summary: "Add a schedule (pipeline.edit; audited)",
          parameters: [idParam("id", "pipeline id")],
          requestBody: { required: true, content: jsonContent("CreateScheduleRequest") },
          responses: { 201: ok("Schedule", "Created"), 404: E[404], 422: E[422], ...common },
        },
      },
      "/api/v1/pipelines/{id}/schedules/{scheduleId}": {
        get: {
          tags: ["schedules"],
          operationId: "getSchedule",
          summary: "One schedule",
          parameters: [idParam("id", "pipeline id"), idParam("scheduleId", "schedule id")],
          responses: { 200: ok("Schedule"), 404: E[404], ...common },
        },
        patch: {
          tags: ["schedules"],
          operationId: "updateSchedule",
          summary: "Change fields; {suspend: true|false} suspends or resumes (from the next tick, no catch-up)",
          parameters: [idParam("id", "pipeline id"), idParam("scheduleId", "schedule id")],
          requestBody: { required: true, content: jsonContent("UpdateScheduleRequest") },
          responses: { 200: ok("Schedule"), 404: E[404], 422: E[422], ...common },
        },
        delete: {
          tags: ["schedules"],
          operationId: "deleteSchedule",
          summary: "Delete the schedule; the runs it started stay",
          parameters: [idParam("id", "pipeline id"), idParam("scheduleId", "schedule id")],
          responses: { 204: { description: "Deleted" }, 404: E[404], ...common },
        },
      },
      "/api/v1/projects": {
        get: { tags: ["projects"], operationId: "listProjects", summary: "Projects the caller belongs to (site administrators: all), with the caller's role", responses: { 200: ok("ProjectList"), ...common } },
        post: {
          tags: ["projects"],
          operationId: "createProject",
          summary: "Create a project; the caller becomes its owner",
          requestBody: jsonBody("CreateProjectRequest"),
          responses: { 201: ok("ProjectCreated", "Created"), 400: E[400], 409: err("The slug is taken"), 422: E[422], ...common },
        },
      },
      "/api/v1/projects/{project}": {
        parameters: [idParam("project", "project slug or id")],
        get: { tags: ["projects"], operationId: "getProject", summary: "A project with its settings and the caller's role", responses: { 200: ok("Project"), 404: E[404], ...common } },
        patch: {
          tags: ["projects"],
          operationId: "updateProject",
          summary: "Change name, description or settings (executor, namespace, node selector, quota…); owners",
          requestBody: jsonBody("UpdateProjectRequest"),
          responses: { 200: ok("Project"), 400: E[400], 404: E[404], 422: E[422], ...common },
        },
        delete: { tags: ["projects"], operationId: "deleteProject", summary: "Delete an empty project; owners", responses: { 204: { description: "Deleted" }, 404: E[404], 409: err("It still has pipelines or templates, or it is the default project"), ...common } },
      },
      "/api/v1/projects/{project}/members": {
        get: { tags: ["projects"], operationId: "listMembers", summary: "Members and their roles", parameters: [idParam("project", "project slug or id")], responses: { 200: ok("MemberList"), 404: E[404], ...common } },
      },
      "/api/v1/projects/{project}/members/{username}": {
        parameters: [idParam("project", "project slug or id"), idParam("username", "user name")],
        put: {
          tags: ["projects"],
          operationId: "setMember",
          summary: "Add a member or change their role; owners",
          requestBody: jsonBody("SetMemberRequest"),
          responses: { 200: ok("SetMemberRequest"), 404: E[404], 409: err("That would leave the project without an owner"), 422: E[422], ...common },
        },
        delete: { tags: ["projects"], operationId: "removeMember", summary: "Remove a member; owners", responses: { 204: { description: "Removed" }, 404: E[404], 409: err("The last owner cannot leave"), ...common } },
      },
      "/api/v1/projects/{project}/secrets": {
        get: {
          tags: ["projects"],
          operationId: "listSecrets",
          summary: "The project's secrets: names, descriptions, who created them and when; never values. Every member",
          parameters: [idParam("project", "project slug or id")],
          responses: { 200: ok("SecretList"), 404: E[404], ...common },
        },
      },
      "/api/v1/projects/{project}/secrets/{name}": {
        parameters: [idParam("project", "project slug or id"), idParam("name", "secret name (an environment variable name)")],
        put: {
          tags: ["projects"],
          operationId: "putSecret",
          summary: "Create or replace a secret (value at most 48,000 bytes, encrypted at rest, never returned); maintainers and owners, admin scope",
          requestBody: jsonBody("PutSecretRequest"),
          responses: { 200: ok("Secret", "Replaced"), 201: ok("Secret", "Created"), 400: E[400], 404: E[404], 422: E[422], ...common },
        },
        delete: { tags: ["projects"], operationId: "deleteSecret", summary: "Delete a secret; maintainers and owners", responses: { 204: { description: "Deleted" }, 404: E[404], ...common } },
      },
      "/api/v1/users": {
        get: { tags: ["users"], operationId: "listUsers", summary: "Every user; site administrators", responses: { 200: ok("UserList"), ...common } },
        post: {
          tags: ["users"],
          operationId: "createUser",
          summary: "Add a user (with a password, or none for single sign-on only); site administrators",
          requestBody: jsonBody("CreateUserRequest"),
          responses: { 201: ok("User", "Created"), 400: E[400], 409: err("The user name is taken (also by a deleted user: names stay reserved)"), 422: E[422], ...common },
        },
      },
      "/api/v1/users/{id}": {
        get: { tags: ["users"], operationId: "getUser", summary: "One user; site administrators", parameters: [idParam("id", "user id")], responses: { 200: ok("User"), 404: E[404], ...common } },
        patch: {
          tags: ["users"],
          operationId: "updateUser",
          summary: "Change a user's name, email or role, or disable/enable them; site administrators",
          description:
            "Disabling ends the user's sessions and API tokens from the next request on. " +
            "The last enabled administrator cannot be disabled or demoted, and nobody disables or demotes themselves (409).",
          parameters: [idParam("id", "user id")],
          requestBody: jsonBody("UpdateUserRequest"),
          responses: { 200: ok("User"), 400: E[400], 404: E[404], 409: err("Last enabled administrator, or the caller's own account"), 422: E[422], ...common },
        },
        delete: {
          tags: ["users"],
          operationId: "deleteUser",
          summary: "Delete a user; site administrators",
          description:
            "Their API tokens, single sign-on links and project memberships are removed and their sessions end at once. " +
            "Runs, versions, approvals and the audit trail keep their name, which stays reserved. " +
            "The last enabled administrator, the caller's own account and a project's only owner cannot be deleted (409).",
          parameters: [idParam("id", "user id")],
          responses: { 204: { description: "Deleted" }, 404: E[404], 409: err("Last enabled administrator, the caller's own account, or a project's only owner"), ...common },
        },
      },
      "/api/v1/users/{id}/unlock": {
        post: {
          tags: ["users"],
          operationId: "unlockUser",
          summary: "Lift a user's sign-in lock and every address's delays for them; site administrators (audited)",
          parameters: [idParam("id", "user id")],
          responses: { 200: ok("UnlockResult"), 404: E[404], ...common },
        },
      },
      "/api/v1/tokens": {
        get: { tags: ["tokens"], operationId: "listTokens", summary: "The caller's own API tokens (never the secrets)", responses: { 200: ok("ApiTokenList"), ...common } },
        post: {
          tags: ["tokens"],
          operationId: "createToken",
          summary: "Create a personal API token; the secret is returned only in this response",
          description:
            "Through a token, only an `admin`-scoped token may create tokens, and never one with a wider scope than its own. " +
            "An expired token is refused with 401 and a message saying when it expired.",
          requestBody: jsonBody("CreateTokenRequest"),
          responses: { 201: ok("ApiTokenCreated", "Created"), 400: E[400], 422: E[422], ...common },
        },
      },
      "/api/v1/tokens/{id}": {
        delete: {
          tags: ["tokens"],
          operationId: "revokeToken",
          summary: "Revoke a token: your own (site administrators: anyone's); it stops working at once",
          parameters: [idParam("id", "token id")],
          responses: { 204: { description: "Revoked" }, 404: E[404], ...common },
        },
      },
      "/api/v1/openapi.json": {
        get: { tags: ["health"], operationId: "openapi", summary: "This document", responses: { 200: { description: "OpenAPI 3.1" }, ...common } },
      },
    };
