/**
 * helm for the deploy templates' tests (helm-deploy), built from `helm.sh/helm/v4` with Go and
 * cached like the other set-up tools; the version stamp makes `helm version` tell v4.3.2.
 */
import { ensureGoTool, type GoTool } from "./go-tool";
import type { Log } from "../go-build";

export const HELM_VERSION = "v4.3.2";

export const helmTool: GoTool = {
  name: "helm",
  pkg: "helm.sh/helm/v4/cmd/helm",
  version: HELM_VERSION,
  ldflags: `-X helm.sh/helm/v4/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v4/internal/version.gitTreeState=clean`,
};

/** The helm binary, built on first use. */
export function ensureHelm(log?: Log): Promise<string> {
  return ensureGoTool(helmTool, log);
}
