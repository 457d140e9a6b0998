import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { ScheduleBodySchema, ScheduleUpdateSchema } from "@/lib/schedules";
import { ScheduleListSchema, ScheduleSchema } from "@/lib/schedule-json";
import { RunStatusSchema } from "@/lib/status";
import { ACTION_LABELS, MIN_ROLE, SCOPE_NEEDED } from "@/lib/permissions";
import { defineOperation, type AnyOperation } from "../operations/define";
import { operations as declared } from "../operations/registry";

/**
 * The OpenAPI 3.1 document of REST API v1, served at /api/v1/openapi.json, generated from the
 * declared operations (server/operations/registry.ts): path, method, params, query, body,
 * responses, errors and the permission needed all come from the declaration the route runs.
 * Named component schemas keep their names here; a schema an operation uses that is not listed
 * gets one derived from the operation.
 */

const COMPONENTS: [string, z.ZodType][] = [
  ["Error", S.ErrorSchema],
  ["RunStatus", RunStatusSchema],
  ["PipelineSpec", S.PipelineSpecSchema],
  ["Template", S.TemplateSchema],
  ["TemplateList", S.TemplateListSchema],
  ["TemplateDefinition", S.TemplateDefinitionSchema],
  ["TemplateSaved", S.TemplateSavedSchema],
  ["TemplateVersionList", S.TemplateVersionListSchema],
  ["TemplateVersion", S.TemplateVersionSchema],
  ["TemplateDeprecated", S.TemplateDeprecatedSchema],
  ["Restored", S.RestoredSchema],
  ["UpgradeResult", S.UpgradeResultSchema],
  ["PipelineCreated", S.PipelineCreatedSchema],
  ["PipelineSummary", S.PipelineSummarySchema],
  ["PipelineList", S.PipelineListSchema],
  ["Pipeline", S.PipelineDetailSchema],
  ["VersionSaved", S.VersionSavedSchema],
  ["VersionSummary", S.VersionSummarySchema],
  ["VersionList", S.VersionListSchema],
  ["Version", S.VersionDetailSchema],
  ["CreateRunRequest", S.CreateRunBodySchema],
  ["RunCreated", S.RunCreatedSchema],
  ["TaskRun", S.TaskRunSchema],
  ["StageRun", S.StageRunSchema],
  ["Run", S.RunSchema],
  ["RunSummary", S.RunSummarySchema],
  ["RunPage", S.RunPageSchema],
  ["CancelResult", S.CancelResultSchema],
  ["Approval", S.ApprovalSchema],
  ["ApprovalDecision", S.ApprovalDecisionSchema],
  ["DecideApprovalRequest", S.DecideApprovalBodySchema],
  ["ApprovalResult", S.ApprovalResultSchema],
  ["PendingApproval", S.PendingApprovalSchema],
  ["PendingApprovalList", S.PendingApprovalListSchema],
  ["RerunRequest", S.RerunBodySchema],
  ["Schedule", ScheduleSchema],
  ["ScheduleList", ScheduleListSchema],
  ["CreateScheduleRequest", ScheduleBodySchema],
  ["UpdateScheduleRequest", ScheduleUpdateSchema],
  ["RecentRunPage", S.RecentRunPageSchema],
  ["LogLineEvent", S.LogLineEventSchema],
  ["LogEndEvent", S.LogEndEventSchema],
  ["LogSearchHit", S.LogSearchHitSchema],
  ["LogSearchResult", S.LogSearchResultSchema],
  ["LogStatus", S.LogStatusSchema],
  ["RunEndEvent", S.RunEndEventSchema],
  ["Analytics", S.AnalyticsSchema],
  ["Project", S.ProjectSchema],
  ["ProjectList", S.ProjectListSchema],
  ["ProjectCreated", S.ProjectCreatedSchema],
  ["CreateProjectRequest", S.CreateProjectBodySchema],
  ["UpdateProjectRequest", S.UpdateProjectBodySchema],
  ["Member", S.MemberSchema],
  ["MemberList", S.MemberListSchema],
  ["SetMemberRequest", S.SetMemberBodySchema],
  ["Secret", S.SecretSchema],
  ["SecretList", S.SecretListSchema],
  ["PutSecretRequest", S.PutSecretBodySchema],
  ["User", S.UserSchema],
  ["UserList", S.UserListSchema],
  ["CreateUserRequest", S.CreateUserBodySchema],
  ["UpdateUserRequest", S.UpdateUserBodySchema],
  ["UnlockResult", S.UnlockResultSchema],
  ["ApiToken", S.ApiTokenSchema],
  ["ApiTokenList", S.ApiTokenListSchema],
  ["ApiTokenCreated", S.ApiTokenCreatedSchema],
  ["CreateTokenRequest", S.CreateTokenBodySchema],
  ["AuditEvent", S.AuditEventSchema],
  ["AuditList", S.AuditListSchema],
  ["Health", S.HealthSchema],
  ["Readiness", S.ReadySchema],
];

const ERROR_TEXT: Record<number, string> = {
  400: "Malformed request: invalid JSON/YAML, path segment or query parameter",
  401: "Missing or invalid credentials",
  403: "The token's scope, or the caller's role in the project, does not allow this call (the message names what is needed)",
  404: "No such resource, or one in a project the caller is not a member of",
  409: "Conflict",
  413: "Request body over the size limit (GANTRY_MAX_BODY_BYTES)",
  415: "Unsupported Content-Type",
  422: "Validation failed; `details.errors` lists each field path (and YAML line)",
  503: "The database is unavailable",
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const err = (description: string) => ({ description, content: { "application/json": { schema: ref("Error") } } });
const pascal = (name: string) => name.replace(/(^|[.\-_])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
const operationId = (op: AnyOperation) => pascal(op.name).replace(/^./, (c) => c.toLowerCase());

/** Who may call it, in words and as `x-gantry-permission`. */
function permission(op: AnyOperation): { text: string; value: string } {
  const a = op.authorize;
  if (a === "public-signed")
    return { text: "No credentials: the request is authenticated by its signature or token.", value: "public-signed" };
  if (a === "authenticated") return { text: "Any signed-in caller; the answer is limited to what they may see.", value: "authenticated" };
  if ("siteAdmin" in a) return { text: "Site administrators only (token scope `admin`).", value: "site-admin" };
  const where = a.project ? ` in the project` : "";
  const open = a.public ? ` No credentials are needed when ${a.public.when}.` : "";
  return {
    text: `Needs \`${a.permission}\` (${ACTION_LABELS[a.permission].toLowerCase()}): role \`${MIN_ROLE[a.permission]}\` or above${where}, token scope \`${SCOPE_NEEDED[a.permission]}\`.${open}`,
    value: a.permission,
  };
}

function parameterList(schema: z.ZodObject | undefined, where: "path" | "query") {
  if (!schema) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const {
      $schema: _s,
      description,
      ...json
    } = z.toJSONSchema(field, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
    const required = where === "path" || !field.safeParse(undefined).success;
    return { name, in: where, required, schema: json, ...(description ? { description } : {}) };
  });
}

let served: ReturnType<typeof openApiDocument> | undefined;

/** This document, as an operation of its own. */
export const openApiOp = defineOperation({
  name: "openapi.get",
  summary: "This document",
  method: "GET",
  path: "/api/v1/openapi.json",
  tags: ["health"],
  authorize: { permission: "project.view" },
  run: async () => (served ??= openApiDocument()),
});

const operations: AnyOperation[] = [...declared, openApiOp];

export function openApiDocument(serverUrl?: string) {
  const reg = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) reg.add(schema, { id });
  const named = (schema: z.ZodType, fallback: string) => {
    if (!reg.has(schema)) reg.add(schema, { id: fallback });
    // Every schema here was added with an id, so the fallback is never used.
    return reg.get(schema)?.id ?? fallback;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const id = pascal(op.name);
    const perm = permission(op);
    const responses: Record<string, unknown> = {};
    const status = op.status ?? 200;
    if (op.produces) {
      const content: Record<string, unknown> = { [op.produces.type]: { schema: { type: "string" } } };
      if (op.produces.events)
        (content[op.produces.type] as Record<string, unknown>)["x-event-data"] = op.produces.events.map((e, i) =>
          ref(named(e, `${id}Event${i + 1}`)),
        );
      if (op.output) content["application/json"] = { schema: ref(named(op.output, `${id}Response`)) };
      responses[status] = { description: op.produces.description, content };
    } else if (status === 204) {
      responses[204] = { description: "Done; no body" };
    } else {
      responses[status] = {
        description: status === 201 ? "Created" : "OK",
        ...(op.output ? { content: { "application/json": { schema: ref(named(op.output, `${id}Response`)) } } } : {}),
      };
    }
    const implied: number[] = [];
    if (op.params || op.query || op.body) implied.push(400);
    if (op.authorize !== "public-signed") implied.push(401, 403);
    if (op.body) implied.push(413, 415, 422);
    implied.push(503);
    const errors: Record<string, string | undefined> = { ...Object.fromEntries(implied.map((c) => [c, ERROR_TEXT[c]])), ...op.errors };
    for (const [code, text] of Object.entries(errors).sort(([a], [b]) => Number(a) - Number(b))) if (text) responses[code] = err(text);

    const body = op.body;
    const bodyTypes = op.bodyTypes ?? ["json"];
    const parameters = [
      ...parameterList(op.params, "path"),
      ...parameterList(op.query, "query"),
      ...(op.headers ?? []).map((h) => ({
        name: h.name,
        in: "header",
        required: false,
        schema: { type: "string" },
        description: h.description,
      })),
    ];
    paths[op.path] ??= {};
    paths[op.path][op.method.toLowerCase()] = {
      tags: op.tags,
      operationId: operationId(op),
      summary: op.summary,
      description: [op.description, perm.text].filter(Boolean).join("\n\n"),
      "x-gantry-permission": perm.value,
      ...(op.authorize === "public-signed" ? { security: [] } : {}),
      // Optional credentials: a bearer token, or none when the operation's `public` condition holds.
      ...(typeof op.authorize === "object" && "permission" in op.authorize && op.authorize.public
        ? { security: [{ bearer: [] }, {}] }
        : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                bodyTypes.map((t) => [
                  t === "json" ? "application/json" : t === "yaml" ? "application/yaml" : "*/*",
                  { schema: t === "raw" ? { type: "string" } : ref(named(body, `${id}Request`)) },
                ]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  for (const [path, methods] of Object.entries(PROBES)) paths[path] = methods;

  const tags = [...new Set([...operations.flatMap((o) => o.tags), "health"])].map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Gantry REST API",
      version: "1.0.0",
      description:
        "Pipelines, versions, runs and live logs. Authenticate with `Authorization: Bearer <token>` (or a signed-in session). " +
        'Errors are `{"error":{"code","message","details"}}`. Bodies may be `application/json` or `application/yaml`.',
    },
    servers: serverUrl ? [{ url: serverUrl }] : undefined,
    security: [{ bearer: [] }],
    tags,
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (gtr_…)" } },
      schemas: componentSchemas(reg),
    },
  };
}

function componentSchemas(reg: z.core.$ZodRegistry<{ id: string }>): Record<string, unknown> {
  // "input": request bodies are described as clients write them (defaults optional).
  const { schemas } = z.toJSONSchema(reg, {
    io: "input",
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

/** The probes are not operations (no caller, no database for liveness). */
const PROBES = {
  "/api/healthz": {
    get: {
      tags: ["health"],
      operationId: "healthz",
      summary: "Liveness (no database)",
      security: [],
      responses: { 200: { description: "OK", content: { "application/json": { schema: ref("Health") } } } },
    },
  },
  "/api/readyz": {
    get: {
      tags: ["health"],
      operationId: "readyz",
      summary: "Readiness: database reachable and migrations applied",
      security: [],
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: ref("Readiness") } } },
        503: { description: "Not ready, with the reason", content: { "application/json": { schema: ref("Readiness") } } },
      },
    },
  },
};
