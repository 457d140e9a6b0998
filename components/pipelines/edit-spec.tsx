"use client";

import { GitPullRequest, LoaderCircle, Save } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useMemo, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import type { FieldError } from "@/lib/pipeline-spec";
import { proposePipelineChangeAction, savePipelineAction } from "@/server/actions/pipelines";
import { ProposedChange } from "./proposed-change";
import { LazySpecEditor as SpecEditor } from "./lazy-spec-editor";
import { withLines } from "./spec-errors";
import { useSpecValidation } from "./use-spec-validation";
import { SaveConflictBanner, type SaveConflict } from "@/components/pipelines/save-conflict";

/**
 * Edits the current version and saves a new one. The save names the version it started from,
 * so a save on top of someone else's newer version is refused and says so (409). For a pipeline
 * kept in its repository the change can also be proposed as a pull request to its file, as from
 * the designer (server/pipelines/propose-change.ts).
 */
export function EditSpec({
  pipelineId,
  version,
  source,
  repositoryFile,
}: {
  pipelineId: string;
  version: number;
  source: string;
  /** The pipeline file of a pipeline kept in its repository. */
  repositoryFile?: string;
}) {
  const router = useRouter();
  const toast = useToast();
  const [text, setText] = useState(source);
  const [message, setMessage] = useState("");
  const [server, setServer] = useState<{ text: string; errors: FieldError[] } | null>(null);
  const [conflict, setConflict] = useState<SaveConflict | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [proposed, setProposed] = useState<{ url: string; branch: string } | null>(null);
  const [pending, start] = useTransition();
  const local = useSpecValidation(text);
  const dirty = text !== source;
  // Server errors hold only for the text they were about.
  const errors = useMemo(
    () => (!local.ok ? withLines(text, local.errors) : server && server.text === text ? server.errors : []),
    [local, server, text],
  );
  const canSave = dirty && local.ok && !pending;

  const propose = useCallback(() => {
    if (!local.ok) return;
    start(async () => {
      const r = await proposePipelineChangeAction({ pipelineId, source: text, base: source, message });
      if (r.ok) {
        setFailure(null);
        setProposed(r.data);
        toast({ tone: "success", title: "Pull request opened" });
        return;
      }
      const e = r.error;
      if (e.code === "validation_failed" && e.errors?.length) setServer({ text, errors: withLines(text, e.errors) });
      else setFailure(e.message);
      toast({ tone: "error", title: "No pull request opened", description: e.message });
    });
  }, [local.ok, pipelineId, text, source, message, toast]);

  const save = useCallback(
    (baseVersion: number) => {
      if (!local.ok) return;
      start(async () => {
        const r = await savePipelineAction({ pipelineId, source: text, message, baseVersion });
        if (r.ok) {
          setConflict(null);
          setFailure(null);
          toast({ tone: "success", title: `Saved version ${r.data.version}` });
          router.refresh();
          return;
        }
        const e = r.error;
        if (e.code === "conflict" && typeof e.details?.currentVersion === "number") {
          setConflict({ message: e.message, currentVersion: e.details.currentVersion });
        } else if (e.code === "validation_failed" && e.errors?.length) {
          setServer({ text, errors: withLines(text, e.errors) });
          toast({ tone: "error", title: "Not saved: the spec has problems", description: e.message });
        } else {
          setFailure(e.message);
          toast({ tone: "error", title: "Not saved", description: e.message });
        }
      });
    },
    [local.ok, pipelineId, text, message, toast, router],
  );

  return (
    <div className="flex flex-col gap-3">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (canSave) save(version);
        }}
      >
        <div className="text-xs text-muted">
          Editing version {version}
          {dirty && <span className="ml-2 rounded bg-st-waiting/15 px-1.5 py-0.5 text-st-waiting">unsaved changes</span>}
        </div>
        <div className="ml-auto flex w-full max-w-md flex-col gap-1">
          <Label htmlFor="save-message">Change message</Label>
          <Input
            id="save-message"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            maxLength={500}
            placeholder={
              repositoryFile ? "What changed: the version's message, or the pull request's title" : "What changed, for the version history"
            }
          />
        </div>
        {/* Gantry's own keys (name, triggers, repository) are saved here; the rest belongs to the file and its next push. */}
        {repositoryFile && (
          <Button
            type="button"
            variant="primary"
            disabled={!canSave}
            title={`Commit ${repositoryFile} to a new branch and open a pull request`}
            onClick={propose}
          >
            {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <GitPullRequest aria-hidden />}
            Propose change (pull request)
          </Button>
        )}
        <Button type="submit" variant={repositoryFile ? "secondary" : "primary"} disabled={!canSave} title="Save a new version (Ctrl+S)">
          {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Save aria-hidden />}
          Save
        </Button>
      </form>

      {proposed && <ProposedChange proposed={proposed} />}

      {conflict && (
        <SaveConflictBanner conflict={conflict} pipelineId={pipelineId} kept="text" onSaveOnTop={save} onDiscard={() => router.refresh()} />
      )}
      {failure && !conflict && (
        <p role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-danger">
          {failure}
        </p>
      )}

      <SpecEditor value={text} onChange={setText} errors={errors} onSave={() => canSave && save(version)} className="h-[62vh] min-h-80" />
    </div>
  );
}
