import { Box, icons, type LucideProps } from "lucide-react";

/**
 * A template's icon by its lucide name (kebab-case in YAML). Server-only use: the full icon map
 * stays out of client bundles.
 */
export function TemplateIcon({ name, ...props }: { name: string } & LucideProps) {
  const key = name
    .split("-")
    .map((w) => (w ? w[0].toUpperCase() + w.slice(1) : w))
    .join("") as keyof typeof icons;
  const Icon = icons[key] ?? Box;
  return <Icon aria-hidden {...props} />;
}
