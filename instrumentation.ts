/** Runs once when the web server starts (Next's instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { trustedProxies } = await import("./server/http/client-address");
    // A bad GANTRY_TRUSTED_PROXIES stops the start with a message naming the entry, rather than failing every request later.
    trustedProxies();
    const { installPeerAddress } = await import("./server/http/peer-address");
    installPeerAddress();
  }
}
