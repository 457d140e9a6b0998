"use client";

import { createContext, useContext } from "react";
import type { Suggestion } from "@/lib/designer/completions";

/**
 * What the selected task's text fields may reference, for the `{{` completions and the secret
 * picker. The task inspector provides it; the rjsf widgets and the env editor read it, so the
 * generated form needs no props of its own for it.
 */
export interface ReferenceOptions {
  /** References an ordinary field may use. */
  plain: readonly Suggestion[];
  /** References a secret field may use: project secrets and secret run params. */
  secret: readonly Suggestion[];
  /** Where the project's secrets are created, when known. */
  secretsHref: string | null;
}

const NONE: ReferenceOptions = { plain: [], secret: [], secretsHref: null };

export const ReferenceOptionsContext = createContext<ReferenceOptions>(NONE);

export const useReferenceOptions = () => useContext(ReferenceOptionsContext);
