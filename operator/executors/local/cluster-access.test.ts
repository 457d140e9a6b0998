import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kubeconfigFor, tokenSeconds } from "./cluster-access";

describe("a local deploy task's kubeconfig", () => {
  it("holds the cluster's address and CA and the deploy account's token, in the project's namespace", () => {
    const text = kubeconfigFor({
      endpoint: { server: "https://127.0.0.1:6443", caData: "Q0E=" },
      namespace: "gantry-shop",
      account: "deployer",
      token: "tok",
    });
    const kc = parse(text);
    expect(kc["current-context"]).toBe("gantry");
    expect(kc.clusters).toEqual([{ name: "gantry", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": "Q0E=" } }]);
    expect(kc.users).toEqual([{ name: "deployer", user: { token: "tok" } }]);
    expect(kc.contexts).toEqual([{ name: "gantry", context: { cluster: "gantry", user: "deployer", namespace: "gantry-shop" } }]);
  });

  it("asks for a token that lasts the task's timeout, and at least the API server's minimum of 10 minutes", () => {
    expect(tokenSeconds(60)).toBe(600);
    expect(tokenSeconds(1800)).toBe(1860);
  });
});
