/**
 * The Tekton Pipelines controller for the peer benchmark (bench/peer.ts), built from its Go
 * module and cached like the other set-up tools, with the module's config/ (CRDs, RBAC, config
 * maps) kept beside the binary. Only the controller is built: kwok runs no containers, so the
 * entrypoint, nop and other images it names in pods are references that are never pulled.
 */
import { ensureGoTool, type GoTool } from "./go-tool";
import type { Log } from "../go-build";

export const TEKTON_VERSION = "v1.6.0";

/** Its go.mod has `replace` directives, so it is built in its own tree. */
export const TEKTON_CONTROLLER_TOOL: GoTool = {
  name: "tekton-controller",
  pkg: "github.com/tektoncd/pipeline",
  version: TEKTON_VERSION,
  fromSource: { keep: ["config"], dir: "cmd/controller" },
};

/** The controller binary, built on first use; its config/ is `<dirname>/config`. */
export function ensureTektonController(log?: Log): Promise<string> {
  return ensureGoTool(TEKTON_CONTROLLER_TOOL, log);
}
