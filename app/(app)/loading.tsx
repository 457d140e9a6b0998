import { LoaderCircle } from "lucide-react";

export default function Loading() {
  return (
    <div className="flex items-center gap-2 py-10 text-sm text-muted" role="status">
      <LoaderCircle className="size-4 animate-spin" aria-hidden /> Loading…
    </div>
  );
}
