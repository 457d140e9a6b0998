import type { ComponentProps } from "react";
import { cn } from "./cn";

/** Dense data tables: small type, quiet borders, hover rows. */
export function Table({ className, ...props }: ComponentProps<"table">) {
  return (
    <div className="overflow-x-auto">
      <table className={cn("w-full border-collapse text-sm", className)} {...props} />
    </div>
  );
}
export function Th({ className, ...props }: ComponentProps<"th">) {
  return (
    <th scope="col" className={cn("h-8 border-b px-3 text-left text-xs font-medium whitespace-nowrap text-muted", className)} {...props} />
  );
}
export function Td({ className, ...props }: ComponentProps<"td">) {
  return <td className={cn("h-10 border-b px-3 align-middle", className)} {...props} />;
}
export function Tr({ className, ...props }: ComponentProps<"tr">) {
  return <tr className={cn("hover:bg-surface-2/60 [&:last-child>td]:border-b-0", className)} {...props} />;
}
