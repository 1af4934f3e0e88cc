import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

describe("trm-train", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints usage for --help", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await main(["--help"])).toBe(0);
    const text = out.mock.calls.map((c) => String(c[0])).join("");
    expect(text).toContain("trm-train fit --task");
    expect(text).toContain("trm-train build-data");
    expect(text).toContain("trm-train eval");
  });

  it("rejects an unknown command", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main(["frobnicate"])).toBe(2);
    expect(err.mock.calls.map((c) => String(c[0])).join("")).toContain('unknown command "frobnicate"');
  });
});
