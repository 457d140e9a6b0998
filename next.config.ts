import type { NextConfig } from "next";

const config: NextConfig = {
  // mysql2 and pino use Node built-ins and dynamic requires; keep them out of the bundle.
  serverExternalPackages: ["mysql2", "pino", "bcryptjs"],
  poweredByHeader: false,
  // Build output lives with the rest of the local state so a clean checkout stays clean.
  distDir: process.env.GANTRY_NEXT_DIST ?? ".next",
};

export default config;
