import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseArgs } from "./args.js";
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

  it("refuses an --out that holds a trm-train run, with or without --overwrite, and leaves it untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trm-compare-foreign-"));
    try {
      const identity = `${JSON.stringify({ format: "trm-run", run_id: "0123456789abcdef", kind: "fit" })}\n`;
      writeFileSync(join(dir, "run.json"), identity);
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      for (const extra of [[], ["--overwrite"]]) {
        expect(await main(["--budget", "32", "--backend", "wasm", "--out", dir, ...extra])).toBe(2);
      }
      const text = err.mock.calls.map((c) => String(c[0])).join("");
      expect(text).toContain(`--out ${dir} holds a trm-train run (run.json)`);
      expect(readdirSync(dir)).toEqual(["run.json"]);
      expect(readFileSync(join(dir, "run.json"), "utf8")).toBe(identity);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--verbose asks for the list of skipped backends; it is off by default", () => {
    expect(parseArgs([]).verbose).toBe(false);
    expect(parseArgs(["--verbose"]).verbose).toBe(true);
  });
});
