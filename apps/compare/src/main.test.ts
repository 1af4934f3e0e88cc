import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

describe("trm-compare", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints usage for --help", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await main(["--help"])).toBe(0);
    const text = out.mock.calls.map((c) => String(c[0])).join("");
    expect(text).toContain("--trm-preset");
    expect(text).toContain("--hrm-preset");
    expect(text).toContain("--budget");
  });
});
