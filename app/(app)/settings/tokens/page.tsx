import type { Metadata } from "next";
import { TokensPanel } from "@/components/tokens/tokens-panel";
import { PageHeader } from "@/components/ui/page-header";
import { listTokensOp } from "@/server/auth/operations";
import { pageCall } from "@/server/operations/page";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  // The same operation as GET /api/v1/tokens.
  const tokens = (await pageCall(listTokensOp, {})).data.items;
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Personal tokens for scripts and the CLI: send them as 'Authorization: Bearer <token>'. A token acts as you, limited to its scope."
      />
      <TokensPanel tokens={tokens} />
    </>
  );
}
