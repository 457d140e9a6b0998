"use client";

import { TriangleAlert } from "lucide-react";
import { useRouter } from "next/navigation";
import { startTransition } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** A page that failed to load (most often: the database is away). The shell stays usable. */
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  return (
    <EmptyState
      icon={TriangleAlert}
      title="This page could not be loaded"
      action={
        <Button
          onClick={() =>
            startTransition(() => {
              router.refresh();
              reset();
            })
          }
        >
          Try again
        </Button>
      }
    >
      The database may be unavailable for a moment; Gantry retries on its own.
      {error.digest && <span className="mt-1 block font-mono text-xs">reference {error.digest}</span>}
    </EmptyState>
  );
}
