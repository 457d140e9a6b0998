"use client";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { SetRepository } from "@/lib/designer/operations/set-repository";
import type { PipelineDoc } from "@/lib/designer/types";
import { credentialKind, DEFAULT_GIT_USERNAME } from "@/lib/repository";

/** The datalist of the project's secret names that the credential fields suggest. */
const SECRET_NAMES_LIST = "pipeline-repository-secret-names";

/**
 * A private repository: the names of project secrets (never values) the clone uses, the fields
 * that fit the URL's kind. The project's Secrets tab holds the values.
 */
export function RepositoryCredentialFields({
  repo,
  secretNames,
  onRepository,
}: {
  repo: PipelineDoc["repository"];
  secretNames: readonly string[];
  onRepository: (patch: NonNullable<SetRepository["patch"]>) => void;
}) {
  const kind = credentialKind(repo?.url ?? "");
  const c = repo?.credentials ?? {};
  const field = (key: "secret" | "username" | "sshKey" | "knownHosts", label: string, placeholder: string, hint: string) => (
    <div className="mt-3 flex flex-col gap-1">
      <Label htmlFor={`pipeline-repository-credentials-${key}`}>{label}</Label>
      <Input
        id={`pipeline-repository-credentials-${key}`}
        value={c[key] ?? ""}
        onChange={(e) => onRepository({ credentials: { [key]: e.target.value } })}
        // A free text input that suggests the project's secrets: a name may be added on the Secrets tab later.
        list={key === "username" ? undefined : SECRET_NAMES_LIST}
        placeholder={placeholder}
        disabled={!repo?.url}
        spellCheck={false}
        className="font-mono text-xs"
      />
      <p className="text-[11px] leading-snug text-muted">{hint}</p>
    </div>
  );
  if (!repo?.url || kind === "none") return null;
  return (
    <>
      <datalist id={SECRET_NAMES_LIST}>
        {secretNames.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {kind === "https" ? (
        <>
          {field(
            "secret",
            "Token secret",
            "none: a public repository",
            "Name of the project secret with a token or password, for a private repository.",
          )}
          {c.secret ? field("username", "User name", DEFAULT_GIT_USERNAME, "Sent with the token; GitHub and GitLab take any.") : null}
        </>
      ) : (
        <>
          {field("sshKey", "SSH key secret", "none: a public repository", "Name of the project secret with a private key (a deploy key).")}
          {c.sshKey
            ? field(
                "knownHosts",
                "Known hosts secret",
                "none: accept the host key unchecked",
                "Name of a project secret with the server's known_hosts lines.",
              )
            : null}
        </>
      )}
    </>
  );
}
