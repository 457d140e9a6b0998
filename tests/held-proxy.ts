import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a server that holds every connection (TLS and all pass
 * through untouched) until `release()`: a forge that is slow to answer, for as long as a test
 * needs, so the test can see what happens while a fetch waits.
 */
export interface HeldProxy {
  port: number;
  /** Connections accepted so far (held or passed on). */
  connections: () => number;
  /** Passes held and later connections on to the server. */
  release: () => void;
  close: () => Promise<void>;
}

export async function startHeldProxy(target: { host: string; port: number }): Promise<HeldProxy> {
  let released = false;
  let count = 0;
  const held: Socket[] = [];
  const open = new Set<Socket>();
  const pass = (client: Socket) => {
    const upstream = createConnection(target);
    open.add(upstream);
    upstream.on("close", () => open.delete(upstream));
    client.pipe(upstream).pipe(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  };
  const server = createServer((client) => {
    count++;
    open.add(client);
    client.on("close", () => open.delete(client));
    if (released) pass(client);
    else {
      // Paused: what the client sends waits in its buffer until the connection is passed on.
      client.pause();
      held.push(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    release: () => {
      released = true;
      for (const c of held.splice(0)) if (!c.destroyed) pass(c);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
