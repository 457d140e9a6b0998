"use client";

import { Archive, ArchiveRestore, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import { deleteTemplateAction, setDeprecatedAction } from "@/server/actions/catalog";

/** Deprecate (or take it back) and delete, for user templates; the server refuses deleting one in use. */
export function TemplateActions({ name, deprecated, inUse }: { name: string; deprecated: boolean; inUse: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const [pending, start] = useTransition();

  const deprecate = () =>
    start(async () => {
      const r = await setDeprecatedAction({ name, deprecated: !deprecated });
      if (r.ok) toast({ tone: "success", title: r.data.deprecated ? `Deprecated ${name}` : `${name} is no longer deprecated` });
      else toast({ tone: "error", title: "Not changed", description: r.error.message });
      router.refresh();
    });

  const remove = () => {
    if (!window.confirm(`Delete the template ${name} and all its versions?`)) return;
    start(async () => {
      const r = await deleteTemplateAction({ name });
      if (r.ok) {
        toast({ tone: "success", title: `Deleted ${name}` });
        router.push("/catalog");
      } else toast({ tone: "error", title: "Not deleted", description: r.error.message });
    });
  };

  return (
    <>
      <Button onClick={deprecate} disabled={pending}>
        {deprecated ? <ArchiveRestore aria-hidden /> : <Archive aria-hidden />}
        {deprecated ? "Undeprecate" : "Deprecate"}
      </Button>
      <Button
        variant="danger"
        onClick={remove}
        disabled={pending || inUse}
        title={inUse ? "Pipelines use this template: deprecate it instead" : undefined}
      >
        <Trash2 aria-hidden /> Delete
      </Button>
    </>
  );
}
