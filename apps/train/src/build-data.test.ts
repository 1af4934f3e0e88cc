import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { command } from "./build-data.js";
import { readDataset, readIdentifiers } from "@trm/data/node";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const sharedData = resolve(repoRoot, "../shared/data");
const hasShared = existsSync(sharedData);
if (!hasShared) console.warn(`[build-data tests] ${sharedData} is absent: tests on the real files are skipped.`);

/** Runs the command, capturing stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const code = await command.run(argv);
  const text = (s: typeof out): string => s.mock.calls.map((c) => String(c[0])).join("");
  const result = { code, out: text(out), err: text(err) };
  out.mockRestore();
  err.mockRestore();
  return result;
}

const Q = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
const A = "483921657967345821251876493548132976729564138136798245372689514814253769695417382";

describe("trm-train build-data", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints its usage for --help and refuses bad arguments", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("sudoku:size=4,train=2000,test=200");
    expect((await run(["--task", "sudoku", "--out", "x"])).err).toContain("give either --src <path>... or --generate <spec>");
    expect((await run(["--bogus"])).code).toBe(2);
    expect((await run(["--generate", "maze:side=9", "--task", "sudoku", "--out", "x"])).err).toContain('--generate is for "maze" but --task is "sudoku"');
    const unknown = await run(["--task", "nope", "--generate", "a=1", "--out", "x"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown task "nope"; registered: arc, maze, sudoku');
  });

  it("builds a Sudoku CSV fixture with train and test files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bd-sudoku-"));
    const csv = `source,question,answer,rating\nx,${Q},${A},1\n`;
    writeFileSync(join(dir, "train.csv"), csv + `y,${A.slice(0, 40)}.${A.slice(41)},${A},0\n`);
    writeFileSync(join(dir, "test.csv"), csv);
    const out = join(dir, "out");
    const r = await run(["--task", "sudoku", "--src", join(dir, "train.csv"), "--src", join(dir, "test.csv"), "--out", out, "--aug", "3", "--seed", "5"]);
    expect(r.err).not.toContain("groups"); // a quick build prints no progress lines
    expect(r.code).toBe(0);
    expect(r.out).toContain("train: groups 2, puzzles 8, examples 8, seqLen 81, vocab 11");
    expect(r.out).toContain("test: groups 1, puzzles 1, examples 1, seqLen 81, vocab 11");
    const train = readDataset(out, "train");
    expect(train.metadata).toMatchObject({ seq_len: 81, vocab_size: 11, num_puzzle_identifiers: 1, total_groups: 2, total_puzzles: 8, mean_puzzle_examples: 1 });
    expect(Array.from(train.inputs.subarray(0, 3))).toEqual([1, 1, 4]);
    expect(readIdentifiers(out)).toEqual(["<blank>"]);
  });

  it("reports a bad row with file, line and field, and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bd-bad-"));
    writeFileSync(join(dir, "train.csv"), `source,question,answer\nx,${Q.slice(1)},${A}\n`);
    const r = await run(["--task", "sudoku", "--src", join(dir, "train.csv"), "--out", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('train.csv, line 2: field "question": expected 16, 36 or 81 characters');
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("generates 4x4 Sudoku and mazes from a spec", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bd-gen-"));
    const s = await run(["--generate", "sudoku:size=4,train=20,test=5", "--out", join(dir, "s"), "--aug", "2"]);
    expect(s.code).toBe(0);
    expect(readDataset(join(dir, "s"), "train").metadata).toMatchObject({ seq_len: 16, vocab_size: 6, total_groups: 20, total_puzzles: 60 });
    expect(readDataset(join(dir, "s"), "test").metadata).toMatchObject({ total_groups: 5, total_puzzles: 5 });
    const m = await run(["--task", "maze", "--generate", "side=9,train=6,test=2,minPath=8", "--out", join(dir, "m")]);
    expect(m.code).toBe(0);
    expect(readDataset(join(dir, "m"), "test").metadata).toMatchObject({ seq_len: 81, vocab_size: 6, total_groups: 2 });
    const bad = await run(["--generate", "sudoku:size=5,train=1", "--out", join(dir, "x")]);
    expect(bad.err).toContain("size must be 4, 6 or 9, got 5");
    const unknown = await run(["--generate", "maze:sides=5", "--out", join(dir, "x")]);
    expect(unknown.err).toContain('maze generator: unknown parameter "sides"');
  });

  it.skipIf(!hasShared)("builds ../shared/data/sudoku-hard/solved/norvig_top95.csv with a held-out test split", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bd-top95-"));
    const r = await run(["--task", "sudoku", "--src", join(sharedData, "sudoku-hard/solved/norvig_top95.csv"), "--out", dir, "--aug", "4", "--holdout", "15"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("holding out 15 of 95 train puzzles for test");
    const train = readDataset(dir, "train");
    const test = readDataset(dir, "test");
    expect(train.metadata).toMatchObject({ seq_len: 81, vocab_size: 11, total_groups: 80, total_puzzles: 400, num_puzzle_identifiers: 1 });
    expect(test.metadata).toMatchObject({ total_groups: 15, total_puzzles: 15 });
    // Every label is a digit token (2..10): the whole board is supervised, as the official build.
    expect(train.labels.every((v) => v >= 2 && v <= 10)).toBe(true);
  });

  it.skipIf(!hasShared)("builds the ARC-AGI-1 folders (training + evaluation) and loads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bd-arc-"));
    const src = join(sharedData, "arc-agi-1");
    const r = await run(["--task", "arc", "--src", join(src, "training"), "--src", join(src, "evaluation"), "--out", dir, "--aug", "1"]);
    expect(r.code).toBe(0);
    const train = readDataset(dir, "train");
    const test = readDataset(dir, "test");
    expect(train.metadata).toMatchObject({ seq_len: 900, vocab_size: 12, total_groups: 800, total_puzzles: 1600 });
    expect(test.metadata).toMatchObject({ total_groups: 400, total_puzzles: 800 });
    const ids = readIdentifiers(dir);
    expect(ids.length).toBe(1601);
    expect(train.metadata.num_puzzle_identifiers).toBe(1601);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, "test_puzzles.json"), "utf8")) as object).length).toBe(400);
    expect(r.out).toContain("train: groups 800, puzzles 1600");
  });
});
