import type { Metadata } from "next";
import { TokensPanel } from "@/components/tokens/tokens-panel";
import { PageHeader } from "@/components/ui/page-header";
import { listTokens } from "@/server/auth/personal-tokens";
import { pageActor } from "@/server/authz/page";
import { getDb } from "@/server/db/client";
import { tokenJson } from "@/server/http/token-json";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  const actor = await pageActor();
  const tokens = (await listTokens(getDb(), actor)).map(tokenJson);
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
