// The few parts of oidc-provider the test provider uses (the package ships no types).
declare module "oidc-provider" {
  import type { Server } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown> & { findAccount?: (ctx: unknown, sub: string) => Promise<unknown> });
    listen(port: number, host?: string): Server;
  }
}
