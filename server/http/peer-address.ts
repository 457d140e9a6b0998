import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { PEER_HEADER } from "./client-address";

/**
 * Stamps each incoming request with its TCP peer's address (PEER_HEADER), replacing any value a
 * client sent, before Next handles it. Next gives route handlers, server actions and next-auth
 * only the headers, and its own `X-Forwarded-For` is the client's when the client sent one, so
 * this is the one place the socket is still at hand. Installed once by instrumentation.ts.
 */
const INSTALLED = Symbol.for("gantry.peer-address");
const REQUEST_EVENTS = new Set(["request", "checkContinue", "checkExpectation"]);

export function installPeerAddress() {
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as Array<Record<PropertyKey, unknown>>) {
    if (proto[INSTALLED]) continue;
    const emit = proto.emit as (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (typeof event === "string" && REQUEST_EVENTS.has(event)) {
        const req = args[0] as IncomingMessage;
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
      }
      return emit.call(this, event, ...args);
    };
    proto[INSTALLED] = true;
  }
}
