import { Download } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { stringify } from "yaml";
import { RunDialog } from "@/components/pipelines/run-dialog";
import { SpecEditor } from "@/components/pipelines/spec-editor";
import { buttonVariants } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { defaultRunRef } from "@/lib/repository";
import { pageCall } from "@/server/operations/page";
import { getPipelineOp, getVersionOp } from "@/server/pipelines/operations";

type Props = { params: Promise<{ id: string; version: string }> };

/** The same operations as GET /api/v1/pipelines/{id} and …/versions/{n}; a version that is not a number is the 404 page. */
async function load(props: Props) {
  const { id, version } = await props.params;
  const [{ data: pipeline, can }, { data: v }] = await Promise.all([
    pageCall(getPipelineOp, { id }),
    pageCall(getVersionOp, { id, n: version }),
  ]);
  return { pipeline, v, can };
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { pipeline, v } = await load(props);
  return { title: `${pipeline.name} version ${v.version}` };
}

/** One saved version, read-only; it can be run as it was. */
export default async function VersionPage(props: Props) {
  const { pipeline, v, can } = await load(props);
  const current = v.version === pipeline.version;
  return (
    <>
      <PageHeader
        breadcrumb={[
          { href: "/pipelines", label: "Pipelines" },
          { href: `/pipelines/${pipeline.id}?tab=versions`, label: pipeline.name },
        ]}
        title={
          <>
            {pipeline.name} <span className="text-muted">version {v.version}</span>
            {current && (
              <span className="ml-2 rounded bg-accent-soft px-1.5 py-0.5 align-middle text-xs font-normal text-accent">current</span>
            )}
          </>
        }
        description={
          <>
            {v.message ?? "no message"} · {v.author ? `by ${v.author}, ` : ""}
            <RelativeTime date={v.createdAt} />
            {v.templates && Object.keys(v.templates).length > 0 && (
              <span className="mt-0.5 block text-xs">
                Templates:{" "}
                {Object.entries(v.templates).map(([name, tv], i) => (
                  <span key={name}>
                    {i > 0 && ", "}
                    <Link href={`/catalog/${name}`} className="hover:text-foreground hover:underline">
                      {name} v{tv}
                    </Link>
                  </span>
                ))}
              </span>
            )}
          </>
        }
        actions={
          <>
            <a
              href={`/api/v1/pipelines/${pipeline.id}/export?version=${v.version}`}
              download
              className={buttonVariants({ variant: "secondary" })}
            >
              <Download aria-hidden /> Export YAML
            </a>
            {can.includes("run.start") && (
              <RunDialog
                pipelineId={pipeline.id}
                pipelineName={pipeline.name}
                params={v.spec.params}
                version={v.version}
                defaultRef={defaultRunRef(v.spec.repository)}
                label={current ? "Run" : `Run version ${v.version}`}
              />
            )}
          </>
        }
      />
      <SpecEditor
        value={v.source ?? stringify(v.spec)}
        readOnly
        label={`Spec of version ${v.version} (read-only)`}
        className="h-[70vh] min-h-80"
      />
    </>
  );
}
