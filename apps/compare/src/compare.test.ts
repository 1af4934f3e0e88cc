import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseArgs, parseBudget } from "./args.js";
import { main } from "./main.js";

/** http(s) references other than the SVG namespace declarations. */
function externalUrls(html: string): string[] {
  const stripped = html.replace(/\sxmlns(:\w+)?="[^"]*"/g, "");
  return stripped.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')<]*/gi) ?? [];
}

describe("arguments", () => {
  it("parses budgets in minutes, seconds and samples", () => {
    expect(parseBudget("3m")).toEqual({ kind: "seconds", seconds: 180 });
    expect(parseBudget("2.5m")).toEqual({ kind: "seconds", seconds: 150 });
    expect(parseBudget("90s")).toEqual({ kind: "seconds", seconds: 90 });
    expect(parseBudget("20k")).toEqual({ kind: "samples", samples: 20000 });
    expect(parseBudget("1536")).toEqual({ kind: "samples", samples: 1536 });
    expect(() => parseBudget("soon")).toThrow(/--budget: expected minutes/);
  });

  it("fills defaults and rejects unknown options", () => {
    const a = parseArgs([]);
    expect([a.task, a.data, a.budget, a.trmPreset, a.hrmPreset, a.backend, a.out, a.seed]).toEqual([
      "sudoku",
      null,
      null,
      "tiny-trm-sudoku4",
      "tiny-hrm-sudoku4",
      "auto",
      "runs/compare",
      0,
    ]);
    expect(parseArgs(["--seed=7", "--out", "x"]).seed).toBe(7);
    expect(() => parseArgs(["--sed", "1"])).toThrow(/unknown option --sed/);
    expect(() => parseArgs(["--backend", "gpu"])).toThrow(/--backend: expected one of/);
    expect(() => parseArgs(["--seed"])).toThrow(/--seed needs a value/);
  });
});

describe("trm-compare end to end (tiny budget)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("trains both models, prints the table and writes a self-contained report and results.json", async () => {
    const out = mkdtempSync(join(tmpdir(), "trm-compare-"));
    const printed = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const log: string[] = [];
    const code = await main(["--budget", "128", "--backend", "wasm", "--out", out, "--test-limit", "24", "--seed", "3"], {
      stream: { write: (t: string) => log.push(t) },
    });
    const stdout = printed.mock.calls.map((c) => String(c[0])).join("");
    expect(code, log.join("")).toBe(0);

    // The table.
    for (const row of ["trainable params", "train time", "samples/s", "test exact accuracy", "test token accuracy", "exact @ step 1", "mean halting steps", "peak tensor memory"]) {
      expect(stdout).toContain(row);
    }

    // results.json: both models, the same budget and data, 24 test puzzles each, 128 training samples each.
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      seed: number;
      models: { label: string; params: number; testRows: number; perStep: unknown[]; fit: { samples: number; status: string } }[];
    };
    expect(results.seed).toBe(3);
    expect(results.models.map((m) => m.label)).toEqual(["TRM", "HRM"]);
    for (const m of results.models) {
      expect(m.testRows).toBe(24);
      expect(m.fit.samples).toBe(128);
      // The sample budget sets the schedule's length, so the run completes its steps.
      expect(m.fit.status).toBe("completed");
      expect(m.params).toBeGreaterThan(0);
      expect(m.perStep.length).toBeGreaterThan(0);
    }

    // The report: sections, the comparison table, charts inline and as files, puzzle boards, nothing external.
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const id of ["verdict", "summary", "comparison", "learning", "recursion", "puzzles", "settings"]) {
      expect(html).toContain(`id="${id}"`);
    }
    const table = /<table class="compare">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table.match(/<tr>/g)?.length).toBe(10);
    expect(table).toContain("TRM");
    expect(table).toContain("HRM");
    const charts = readdirSync(join(out, "charts")).sort();
    expect(charts).toEqual([
      "halting.svg",
      "learning-loss.svg",
      "learning-test-exact.svg",
      "learning-train-exact.svg",
      "refinement.svg",
    ]);
    expect(html.match(/<div class="chart" id="chart-[a-z-]+"><svg/g)?.length).toBe(5);
    // 3 example puzzles: input + target + one board per model per snapshot step.
    const boards = html.match(/<svg [^>]*class="board"/g)?.length ?? 0;
    expect(boards).toBeGreaterThanOrEqual(3 * (2 + 2));
    expect(html).toContain('class="example"');
    expect(html).not.toMatch(/<script|<link |@import|<img /i);
    expect(externalUrls(html)).toEqual([]);
    expect(existsSync(join(out, "trm", "metrics.jsonl"))).toBe(true);
    expect(existsSync(join(out, "hrm", "metrics.jsonl"))).toBe(true);
  }, 300_000);
});
