import { describe, expect, it } from "vitest";
import { formatBytes } from "./format-bytes";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [70000, "68 KiB"],
    [5 * 1024 * 1024 + 1, "5.0 MiB"],
  ])("%d bytes read as %s", (n, s) => expect(formatBytes(n)).toBe(s));
});
