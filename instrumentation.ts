/** Runs once when the web server starts (Next's instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { trustedProxies } = await import("./server/http/client-address");
    try {
      trustedProxies();
    } catch (e) {
      // Next logs a failing hook and serves on regardless; a web server that cannot tell client
      // addresses must not look ready, so stop with the message that names the bad entry.
      console.error(`gantry: ${(e as Error).message}`);
      process.exit(1);
    }
    const { installPeerAddress } = await import("./server/http/peer-address");
    installPeerAddress();
  }
}
