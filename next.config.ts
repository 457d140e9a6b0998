import type { NextConfig } from "next";
import { PHASE_PRODUCTION_BUILD } from "next/constants";
import { API_CSP } from "./lib/csp";

/** Sent with every response; pages add their nonce-based Content-Security-Policy in proxy.ts. */
const SECURITY_HEADERS = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Links to forges and tools must not carry run, pipeline or project URLs along.
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

const config: NextConfig = {
  // mysql2 and pino use Node built-ins and dynamic requires, the AWS SDK is large: keep them out of the bundle.
  serverExternalPackages: ["mysql2", "pino", "bcryptjs", "@aws-sdk/client-s3"],
  poweredByHeader: false,
  // Build output lives with the rest of the local state so a clean checkout stays clean.
  distDir: process.env.GANTRY_NEXT_DIST ?? ".next",
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY_HEADERS },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CSP }] },
    ];
  },
};

// Every build also writes `.next/standalone` (server.js and the modules it traces), which the
// container image runs; said only while building, since `next start` (npm start) warns about it.
export default function nextConfig(phase: string): NextConfig {
  return phase === PHASE_PRODUCTION_BUILD ? { ...config, output: "standalone" } : config;
}
