import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "./local-store";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

function storeWith(...keys: string[]) {
  const root = mkdtempSync(path.join(tmpdir(), "gantry-local-store-"));
  roots.push(root);
  for (const k of keys) {
    mkdirSync(path.dirname(path.join(root, k)), { recursive: true });
    writeFileSync(path.join(root, k), k);
  }
  return { root, store: new LocalArtifactStore(root) };
}

describe("the local artifact store's delete", () => {
  it("removes the files, then their run's and pipeline's directories once empty, never the store's root", async () => {
    const { root, store } = storeWith("default/p1/1/dist/a.tgz", "default/p1/1/b.txt", "default/p1/2/c.txt", "default/p2/1/d.txt");
    await store.delete(["default/p1/1/dist/a.tgz", "default/p1/1/b.txt"]);
    expect(existsSync(path.join(root, "default/p1/1"))).toBe(false);
    expect(existsSync(path.join(root, "default/p1/2/c.txt"))).toBe(true);
    await store.delete(["default/p1/2/c.txt", "default/p2/1/d.txt"]);
    expect(existsSync(path.join(root, "default"))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it("takes a file already gone as deleted", async () => {
    const { store } = storeWith("default/p1/1/a.txt");
    await expect(store.delete(["default/p1/1/a.txt", "default/p1/1/never-there.txt"])).resolves.toBeUndefined();
  });

  it("refuses a key that leaves the store", async () => {
    const { store } = storeWith();
    await expect(store.delete(["../outside.txt"])).rejects.toMatchObject({ code: "bad_request" });
  });
});
