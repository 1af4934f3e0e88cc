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

  const capture = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await main(argv);
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join("");
    const r = { code, out: text(out), err: text(err) };
    vi.restoreAllMocks();
    return r;
  };

  it("prints its version", async () => {
    const r = await capture(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^trm-train \d+\.\d+\.\d+\n$/);
  });

  it("suggests the nearest command and flag", async () => {
    expect((await capture(["fitt"])).err).toContain('unknown command "fitt"; did you mean "fit"?');
    const r = await capture(["fit", "--max-step", "3", "--out", "x"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--max-step: unknown option; did you mean --max-steps?");
    expect((await capture(["eval", "--predicitons", "p.jsonl"])).err).toContain("did you mean --predictions?");
    expect((await capture(["build-data", "--sorce", "x"])).err).toContain("did you mean --src?");
  });

  it("checks flag values before reading data or building a model", async () => {
    // No --data and no such folder: an error about the flag proves the check ran first.
    for (const [flag, value] of [["--max-steps", "ten"], ["--max-steps", "1.5"], ["--max-samples", "0"], ["--max-seconds", "-3"]] as const) {
      const r = await capture(["fit", `${flag}=${value}`, "--out", "/nonexistent/run"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${flag}: expected a positive`);
    }
    expect((await capture(["fit", "--backend", "cuda", "--out", "/nonexistent/run"])).err).toContain('--backend: expected one of');
    expect((await capture(["eval", "--steps", "0", "--run", "/nonexistent/run"])).err).toContain('--steps: expected a positive integer, got "0"');
    expect((await capture(["fit", "--out"])).err).toContain("--out: needs a value");
  });

  it("refuses contradictory or empty requests before any work", async () => {
    const none = await capture([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("trm-train: no command given (one of build-data, fit, eval, convert)");
    const both = await capture(["fit", "--resume", "--overwrite", "--out", "/nonexistent/run"]);
    expect([both.code, both.err]).toEqual([2, expect.stringContaining("--resume and --overwrite: give one") as unknown]);
    const missing = await capture(["fit", "--resume", "--out", "/nonexistent/run"]);
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("--resume: --out /nonexistent/run does not exist, so there is no run to continue") as unknown]);
    const sub = await capture(["build-data", "--generate", "sudoku:size=4,train=4", "--subsample", "0", "--out", "/nonexistent/d"]);
    expect(sub.err).toContain('--subsample must be at least 1 (the train puzzles to keep), got "0"');
    const aug = await capture(["build-data", "--generate", "sudoku:size=4,train=4", "--aug", "1000000000", "--out", "/nonexistent/d"]);
    expect(aug.err).toContain("--aug 1000000000: 1 puzzle(s) x 1,000,000,001 variants is over the limit of 10,000,000 puzzles");
    const aug2 = await capture(["build-data", "--generate", "sudoku:size=4,train=20000,test=0", "--aug", "1000", "--out", "/nonexistent/d"]);
    expect(aug2.err).toContain("--aug 1000: 20,000 puzzle(s) x 1,001 variants is over the limit");
  });
});
