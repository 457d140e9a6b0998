import type { ApiTokenJson } from "@/lib/api-schemas";
import type { TokenView } from "../auth/personal-tokens";

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function tokenJson(t: TokenView): ApiTokenJson {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    owner: t.owner,
    createdAt: t.createdAt.toISOString(),
    expiresAt: isoOrNull(t.expiresAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    expired: t.expired,
  };
}
