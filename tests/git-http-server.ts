import { spawn } from "node:child_process";
import { createServer, type Server } from "node:https";

/**
 * A private git server for tests: git's own `http-backend` CGI behind a small HTTPS server that
 * wants Basic auth with the given user and password. `onRequest` sees each request's user name
 * (undefined without an Authorization header) before it is checked.
 */
export function startGitHttpServer(opts: {
  projectRoot: string;
  tls: { key: Buffer; cert: Buffer };
  user: string;
  password: string;
  onRequest?: (user: string | undefined) => void;
}): Promise<Server> {
  const s = createServer(opts.tls, (req, res) => {
    const auth = req.headers.authorization ?? "";
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ""), "base64")
      .toString()
      .split(":");
    opts.onRequest?.(auth ? user : undefined);
    if (!auth.startsWith("Basic ") || user !== opts.user || pass !== opts.password) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorised");
      return;
    }
    const u = new URL(req.url ?? "/", "https://x");
    // The request's body on the CGI's stdin, its headers and body on stdout.
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: opts.projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: user,
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      } as unknown as NodeJS.ProcessEnv,
    });
    req.pipe(cgi.stdin);
    let buf = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (d: Buffer) => {
      if (headersDone) return void res.write(d);
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of buf.subarray(0, end).toString().split("\r\n")) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(buf.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}
