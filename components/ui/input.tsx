import type { ComponentProps } from "react";
import { cn } from "./cn";

const field =
  "w-full rounded-md border bg-surface px-2.5 text-sm text-foreground shadow-xs placeholder:text-muted/70 focus-visible:border-ring focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring/25 disabled:opacity-60 aria-invalid:border-danger";

/** An <Input>'s look, for a text field that renders its own <input> (a combobox). */
export const inputClass = cn(field, "h-8");

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(field, "h-8", className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(field, "min-h-16 py-1.5", className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(field, "h-8 pr-7", className)} {...props} />;
}
