import { SearchX } from "lucide-react";
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function NotFound() {
  return (
    <main className="flex min-h-full items-center justify-center">
      <EmptyState
        icon={SearchX}
        title="Not found"
        action={
          <Link href="/pipelines" className="text-sm text-accent hover:underline">
            Go to pipelines
          </Link>
        }
      >
        It may have been deleted, or the link is wrong.
      </EmptyState>
    </main>
  );
}
