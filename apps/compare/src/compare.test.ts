import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDataset, createRng, makeGrid, registerTask, unregisterTask, type Grid, type Task } from "@trm/data";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseArgs, parseBudget } from "./args.js";
import { main, USAGE } from "./main.js";
import { writeBuiltDataset } from "@trm/data/node";

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
    for (const zero of ["0s", "0m", "0.0min", "0"]) expect(() => parseBudget(zero), zero).toThrow(/--budget: expected/);
  });

  it("fills defaults and rejects unknown options and names", () => {
    const a = parseArgs([]);
    expect([a.scenario, a.pairing, a.seeds, a.seed, a.data, a.task, a.budget, a.trmPreset, a.hrmPreset, a.backend, a.out]).toEqual([
      "sudoku4",
      "same-block",
      3,
      0,
      null,
      null,
      null,
      null,
      null,
      "auto",
      "runs/compare",
    ]);
    expect(parseArgs(["--seed=7", "--out", "x", "--seeds", "5", "--pairing", "paper", "--scenario", "maze7"])).toMatchObject({ seed: 7, seeds: 5, pairing: "paper", scenario: "maze7" });
    expect(() => parseArgs(["--sed", "1"])).toThrow(/unknown option --sed; did you mean --seed\?/);
    expect(parseArgs([]).overwrite).toBe(false);
    expect(parseArgs(["--out", "x", "--overwrite"])).toMatchObject({ out: "x", overwrite: true });
    expect(() => parseArgs(["--test-limit", "0"])).toThrow('--test-limit: expected a positive integer, got "0"');
    expect(parseArgs(["--version"]).version).toBe(true);
    expect(() => parseArgs(["--backend", "gpu"])).toThrow(/--backend: expected one of/);
    expect(() => parseArgs(["--seed"])).toThrow(/--seed needs a value/);
    expect(() => parseArgs(["--seeds", "0"])).toThrow(/--seeds: expected at least 1/);
    expect(() => parseArgs(["--pairing", "cross"])).toThrow(/--pairing: expected one of same-block, paper, attention, got "cross"/);
    expect(() => parseArgs(["--scenario", "sudoku16"])).toThrow(/--scenario: expected one of sudoku4, sudoku6, sudoku9-easy, maze7/);
    expect(() => parseArgs(["--task", "maze"])).toThrow(/--task names the task of --data/);
  });
});

describe("pairings and scenarios", () => {
  it("the default pairing gives both models the same block and names the HRM-MLP ablation", async () => {
    const { PAIRINGS, DEFAULT_PAIRING } = await import("./scenarios.js");
    const { PRESETS } = await import("@trm/train");
    const { resolveTrmConfig } = await import("@trm/core");
    const { resolveHrmConfig } = await import("@trm/hrm-baseline");
    const [trm, hrm] = PAIRINGS[DEFAULT_PAIRING]?.models ?? [];
    const shape = { vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 1 };
    const arch = (name: string) => ({ ...PRESETS[name]?.config.arch, ...shape });
    // Resolved: the presets write only what differs from each model's official defaults.
    const a: Record<string, unknown> = resolveTrmConfig(arch(trm?.preset ?? ""));
    const b: Record<string, unknown> = resolveHrmConfig(arch(hrm?.preset ?? ""));
    for (const key of ["mlp_t", "pos_encodings", "hidden_size", "expansion", "num_heads", "puzzle_emb_len"]) expect([key, b[key]]).toEqual([key, a[key]]);
    expect(PAIRINGS[DEFAULT_PAIRING]?.caveat).toMatch(/this project's ablation/);
    expect(PAIRINGS.paper?.models[1].preset).toBe("tiny-hrm-sudoku4");
  });

  it("the usage lists every pairing and scenario and the ablation", () => {
    for (const name of ["same-block", "paper", "attention", "sudoku4", "sudoku6", "sudoku9-easy", "maze7"]) expect(USAGE).toContain(name);
    expect(USAGE).toContain("this project's ablation");
  });
});

describe("trm-compare end to end (tiny budget)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("trains both models over two seeds, prints the table and writes a self-contained report and results.json", async () => {
    const out = mkdtempSync(join(tmpdir(), "trm-compare-"));
    const printed = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const log: string[] = [];
    const code = await main(["--budget", "64", "--backend", "wasm", "--out", out, "--test-limit", "16", "--seed", "3", "--seeds", "2"], {
      stream: { write: (t: string) => log.push(t) },
    });
    const stdout = printed.mock.calls.map((c) => String(c[0])).join("");
    expect(code, log.join("")).toBe(0);

    // The table: means with the range over the two seeds, and both parameter counts.
    for (const row of ["mean (min..max) over 2 seeds", "trainable params", "test exact accuracy", "95% interval", "test token accuracy", "train time", "samples/s"]) {
      expect(stdout).toContain(row);
    }
    expect(stdout).toMatch(/trainable parameters: TRM \d+, HRM \d+/);
    expect(stdout).toContain("this project's ablation");

    // results.json: both models, the same budget, two seeds each with 16 test puzzles and 64 training samples.
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      seeds: number[];
      pairing: string;
      models: { label: string; params: number; summary: { spread: { exactAccuracy: { n: number } } }; seeds: { seed: number; testRows: number; perStep: unknown[]; fit: { samples: number; status: string } }[] }[];
    };
    expect(results.seeds).toEqual([3, 4]);
    expect(results.pairing).toBe("same-block");
    expect(results.models.map((m) => m.label)).toEqual(["TRM", "HRM"]);
    // Same block on both sides: the same parameter count.
    expect(results.models[0]?.params).toBe(results.models[1]?.params);
    for (const m of results.models) {
      expect(m.summary.spread.exactAccuracy.n).toBe(2);
      expect(m.seeds.map((s) => s.seed)).toEqual([3, 4]);
      for (const s of m.seeds) {
        expect(s.testRows).toBe(16);
        expect(s.fit.samples).toBe(64);
        expect(s.fit.status).toBe("completed");
        expect(s.perStep.length).toBe(16);
      }
    }

    // The report: what is compared first, sections, charts inline and as files, puzzle boards, nothing external.
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const id of ["setup", "verdict", "summary", "comparison", "learning", "recursion", "puzzles", "settings"]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/<tr class="differs"><th scope="row">model<\/th>/);
    expect(html).toMatch(/<tr class=""><th scope="row">token mixer<\/th>/);
    expect(html).toContain("this project's ablation");
    expect(html).toMatch(/Points during training score the first 16 test puzzles; the last point of each line is the final evaluation of all 16/);
    const table = /<table class="compare">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table.match(/<tr>/g)?.length).toBe(10);
    expect(table).toContain("95% interval");
    const charts = readdirSync(join(out, "charts")).sort();
    expect(charts).toEqual(["halting.svg", "learning-loss.svg", "learning-test-exact.svg", "learning-train-exact.svg", "refinement.svg"]);
    expect(html.match(/<div class="chart" id="chart-[a-z-]+"><svg/g)?.length).toBe(5);
    // 3 example puzzles: input + target + one board per model per snapshot step.
    expect(html.match(/<svg [^>]*class="board"/g)?.length ?? 0).toBeGreaterThanOrEqual(3 * (2 + 2));
    expect(html).not.toMatch(/<script|<link |@import|<img /i);
    expect(externalUrls(html)).toEqual([]);
    for (const m of ["trm", "hrm"]) for (const s of [3, 4]) expect(existsSync(join(out, m, `seed-${s}`, "metrics.jsonl"))).toBe(true);
  }, 600_000);

  it("draws the puzzles of a task registered by a user through its own picture", async () => {
    const side = 3;
    const task: Task<Grid, never> = {
      name: "mirror-rows",
      description: "3x3 digits 1-3; the answer is the question with every row reversed",
      vocabulary: () => ["<pad>", "0", "1", "2", "3"],
      seqLen: () => side * side,
      load: () => [],
      validate: () => undefined,
      encode: (b) => b.cells.map((v) => v + 1),
      decode: (t) => makeGrid(side, side, Array.from(t, (v) => Math.max(0, v - 1))),
      augmentSplits: [],
      dedupe: false,
      puzzleIdentifiers: "blank",
      // Drawn as digits in one box per row: the report must use this, not a guess from the task name.
      picture: (t) => ({ kind: "digits", grid: makeGrid(side, side, Array.from(t, (v) => Math.max(0, v - 1))), box: { rows: 1, cols: side } }),
    };
    registerTask(task);
    try {
      const rng = createRng(5);
      const items = Array.from({ length: 40 }, (_, k) => {
        const question = makeGrid(side, side, Array.from({ length: side * side }, () => rng.int(1, 4)));
        const answer = makeGrid(side, side, Array.from({ length: side * side }, (_, i) => question.cells[Math.floor(i / side) * side + (side - 1 - (i % side))] ?? 0));
        return k < 32 ? { id: `t${k}`, train: [{ question, answer }], test: [] } : { id: `t${k}`, train: [], test: [{ question, answer }] };
      });
      const dir = mkdtempSync(join(tmpdir(), "trm-compare-task-"));
      writeBuiltDataset(dir, buildDataset(task, items));
      const out = join(dir, "out");
      vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      const log: string[] = [];
      const code = await main(["--data", dir, "--task", "mirror-rows", "--budget", "32", "--seeds", "1", "--backend", "wasm", "--out", out], {
        stream: { write: (t: string) => log.push(t) },
      });
      expect(code, log.join("")).toBe(0);
      const html = readFileSync(join(out, "report.html"), "utf8");
      const puzzles = html.slice(html.indexOf('id="puzzles"'));
      // 3 puzzles: input, target and each model's answer after each snapshot step, all 3x3 boards with row boxes.
      const boards = puzzles.match(/<svg [^>]*class="board"[\s\S]*?<\/svg>/g) ?? [];
      expect(boards.length).toBeGreaterThanOrEqual(3 * 4);
      // Row boxes: 4 thick horizontal lines and only 2 thick vertical ones (the border) per board.
      expect(boards[0]?.match(/stroke-width="2"/g)?.length).toBe(4 + 2);
    } finally {
      unregisterTask("mirror-rows");
    }
  }, 600_000);
});
