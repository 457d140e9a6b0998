/**
 * A certificate authority of the test set-up, made fresh with openssl for each `npm test`: the
 * test Gitea serves https with a certificate it signed (for 127.0.0.1 and localhost), and the
 * stack trusts it the way an administrator trusts a private forge's CA (docs/repository.md):
 * NODE_EXTRA_CA_CERTS for Node, GIT_SSL_CAINFO for git.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";

export interface TestCa {
  /** The CA's certificate alone (NODE_EXTRA_CA_CERTS adds it to Node's own list). */
  caFile: string;
  /** The system's CAs and this one (git's GIT_SSL_CAINFO replaces the system list, so it must hold both). */
  bundleFile: string;
  /** The server certificate and key, for 127.0.0.1 and localhost. */
  certFile: string;
  keyFile: string;
}

const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export function makeTestCa(dir: string): TestCa {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "7"],
    ...["-subj", "/CN=Gantry test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
  );
  ssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  ssl(
    ...["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial"],
    ...["-out", "cert.pem", "-days", "7", "-extfile", "server.ext"],
  );
  const system = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE, "utf8") : "";
  writeFileSync(f("bundle.pem"), `${system}${system.endsWith("\n") || !system ? "" : "\n"}${readFileSync(f("ca.pem"), "utf8")}`);
  return { caFile: f("ca.pem"), bundleFile: f("bundle.pem"), certFile: f("cert.pem"), keyFile: f("key.pem") };
}

/**
 * fetch's answer from an https server this CA vouches for: this process started before the CA
 * existed, so NODE_EXTRA_CA_CERTS (read at start) does not cover it; its children get that.
 */
export function fetchWithCa(
  caFile: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; ok: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? "GET", headers: init.headers, ca: readFileSync(caFile) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
