import type { Metadata } from "next";
import { TemplateForm } from "@/components/catalog/template-form";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Add template" };

const STARTER = `# A task template: an image, a command with {{params.x}} placeholders, and a JSON Schema for params.
name: my-template
title: My template
description: What a task made from this template does.
category: general
icon: box            # a lucide icon name
image: debian:bookworm-slim
command: ["bash", "-ec", 'echo "hello, $1"', "gantry", "{{params.who}}"]
paramsSchema:
  type: object
  required: [who]
  additionalProperties: false
  properties:
    who:
      type: string
      title: Who to greet
      minLength: 1
    token:
      type: string
      title: API token
      default: ""
      secret: true     # masked in forms
example:
  name: greet
  template: my-template
  params:
    who: world
local:
  supported: true
  requires: [bash]
`;

export default function NewTemplatePage() {
  return (
    <>
      <PageHeader
        breadcrumb={[{ href: "/catalog", label: "Catalog" }]}
        title="Add template"
        description="Upload or paste the template's YAML. Pipelines pin the version they are saved with."
      />
      <TemplateForm initial={STARTER} />
    </>
  );
}
