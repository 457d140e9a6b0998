"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useToast } from "@/components/ui/toast";
import type { PipelineDoc } from "@/lib/designer/types";
import type { FieldError, PipelineSpec } from "@/lib/pipeline-spec";
import { createPipelineAction, proposePipelineChangeAction, savePipelineAction } from "@/server/actions/pipelines";
import { docToYaml } from "./doc-text";
import { useLeaveGuard } from "./use-leave-guard";

/** A save refused because a newer version exists (the designer's refusals always name it). */
export interface DesignerConflict {
  message: string;
  currentVersion: number;
}

/** Another version, loaded to compare with the design. */
export interface TheirVersion {
  version: number;
  text: string;
  spec: PipelineSpec;
}

/**
 * Saving the design as a new version, like the Spec editor: the YAML with the version it started
 * from and a message. Knows whether there is anything unsaved (and guards leaving the page then),
 * keeps a refusal because of a newer version, and loads that version to compare. A design not yet
 * saved anywhere (no `pipelineId`, the New pipeline page) is created as a pipeline instead.
 */
export function useDesignerSave({
  pipelineId,
  source,
  repositoryFile,
  doc,
  typedText,
  currentText,
  valid,
  onRefused,
}: {
  /** Null: a new pipeline, created by the first save. */
  pipelineId: string | null;
  /** The saved YAML the designer started from. */
  source: string;
  /** A pipeline kept in its repository: saving opens a pull request that changes this file. */
  repositoryFile?: string;
  doc: PipelineDoc;
  /** The design's text when it is known without writing the document out; undefined when it is not. */
  typedText: string | undefined;
  /** The text to save. */
  currentText: () => string;
  /** No problems: saving may be asked for. */
  valid: boolean;
  /** The server refused this document with these errors. */
  onRefused: (doc: PipelineDoc, errors: FieldError[]) => void;
}) {
  const router = useRouter();
  const toast = useToast();
  const [conflict, setConflict] = useState<DesignerConflict | null>(null);
  const [theirs, setTheirs] = useState<TheirVersion | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [message, setMessage] = useState("");
  const [pending, start] = useTransition();
  const [proposed, setProposed] = useState<{ url: string; branch: string } | null>(null);
  // A document written out from the graph differs from the source by definition.
  const dirty = typedText === undefined || typedText !== source;
  useLeaveGuard(dirty);

  const showTheirs = async (n: number) => {
    if (!pipelineId) return;
    const res = await fetch(`/api/v1/pipelines/${pipelineId}/versions/${n}`);
    const v = await res.json().catch(() => null);
    if (!res.ok || !v) {
      toast({ tone: "error", title: `Could not load version ${n}`, description: v?.error?.message ?? res.statusText });
      return;
    }
    setTheirs({ version: n, text: v.source ?? docToYaml(v.spec), spec: v.spec });
  };

  const propose = () =>
    start(async () => {
      if (!pipelineId) return;
      const r = await proposePipelineChangeAction({ pipelineId, source: currentText(), base: source, message });
      setDialogOpen(false);
      if (r.ok) {
        setProposed(r.data);
        toast({ tone: "success", title: "Pull request opened" });
        return;
      }
      const e = r.error;
      if (e.code === "validation_failed" && e.errors?.length) onRefused(doc, e.errors);
      toast({ tone: "error", title: "No pull request opened", description: e.message });
    });

  const create = () =>
    start(async () => {
      const r = await createPipelineAction({ source: currentText() });
      if (r.ok) {
        toast({ tone: "success", title: `Created ${r.data.name}` });
        router.push(`/pipelines/${r.data.id}`);
        return;
      }
      const e = r.error;
      if (e.code === "validation_failed" && e.errors?.length) onRefused(doc, e.errors);
      toast({ tone: "error", title: "Not created", description: e.message });
    });

  const saveVersion = (baseVersion: number) =>
    start(async () => {
      if (!pipelineId) return;
      const source = currentText();
      const r = await savePipelineAction({ pipelineId, source, message, baseVersion });
      setDialogOpen(false);
      if (r.ok) {
        setConflict(null);
        toast({ tone: "success", title: `Saved version ${r.data.version}` });
        router.refresh();
        return;
      }
      const e = r.error;
      if (e.code === "conflict" && typeof e.details?.currentVersion === "number")
        setConflict({ message: e.message, currentVersion: e.details.currentVersion });
      else if (e.code === "validation_failed" && e.errors?.length) {
        onRefused(doc, e.errors);
        toast({ tone: "error", title: "Not saved: the pipeline has problems", description: e.message });
      } else toast({ tone: "error", title: "Not saved", description: e.message });
    });

  const save = (baseVersion: number) => (repositoryFile ? propose() : saveVersion(baseVersion));

  return {
    dirty,
    pending,
    /** Whether saving creates the pipeline (no message asked, nothing older to compare with). */
    creates: pipelineId === null,
    /** Opens the save dialog when there is something valid to save (the button, Ctrl+S); creates a new pipeline right away. */
    requestSave: () => {
      if (pipelineId === null) {
        if (valid && !pending) create();
      } else if (dirty && valid) setDialogOpen(true);
    },
    dialogOpen,
    setDialogOpen,
    message,
    setMessage,
    save,
    /** The pull request the last save opened (a pipeline kept in its repository). */
    proposed,
    conflict,
    /** Drops the design for the newest saved version. */
    discard: () => router.refresh(),
    theirs,
    showTheirs,
    closeTheirs: () => setTheirs(null),
  };
}
