// The high-level API on a real run: loadRun + solve against `trm-train eval`'s predictions, the README's example, and
// the named errors.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { createTrm, useBackend } from "@trm/core";
import { gridToRows, type Grid } from "@trm/data";
import { readDataset } from "@trm/data/node";
import { createHrm } from "@trm/hrm-baseline";
import { loadRun, loadWeights, PuzzleShapeError, RunFolderError } from "@trm/train";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

let root: string;
let data: string;
let run: string;
const models = { trm: createTrm, hrm: createHrm };
const ROWS = 12;

async function quiet(argv: string[]): Promise<{ code: number; err: string }> {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await main(argv);
    return { code, err: err.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    vi.restoreAllMocks();
  }
}

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-solve-"));
  data = join(root, "sudoku4");
  run = join(root, "run");
  expect((await quiet(["build-data", "--generate", "sudoku:size=4,train=64,test=16,minClues=8", "--seed", "2", "--out", data])).code).toBe(0);
  // A few steps: answers need not be right, only the same as the evaluator's.
  const fit = await quiet(["fit", "--task", "sudoku", "--data", data, "--model", "trm", "--config", "tiny-trm-sudoku4", "--max-steps", "6", "--set", "global_batch_size=16", "--backend", "wasm", "--quiet", "--out", run]);
  expect(fit.code, fit.err).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("loadRun + solve", () => {
  it("gives trm-train eval's answers, the answer after each step and the halting step, and frees every tensor", async () => {
    const predictions = join(root, "predictions.jsonl");
    expect((await quiet(["eval", "--run", run, "--max-examples", String(ROWS), "--predictions", predictions, "--backend", "wasm"])).code).toBe(0);
    const expected = (await readFile(predictions, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { prediction: number[][]; prediction_tokens: number[] });
    const test = readDataset(data, "test");
    const L = test.metadata.seq_len;
    const rows = Array.from({ length: ROWS }, (_, i) => test.inputs.subarray(i * L, (i + 1) * L));

    const before = tf.memory().numTensors;
    const solver = await loadRun<Grid>(run, { models });
    expect(solver.weights.copy).toBe("ema");
    expect(solver.shape).toEqual({ vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 1 });
    const byTokens = await solver.solveTokens(rows, { batchSize: 5 });
    const boards = rows.map((r) => solver.task?.decode(r) as Grid);
    const byBoards = await solver.solve(boards);
    solver.dispose();
    expect(tf.memory().numTensors).toBe(before);

    for (let i = 0; i < ROWS; i++) {
      const [t, b, e] = [byTokens[i], byBoards[i], expected[i]];
      expect(Array.from(t?.tokens ?? [])).toEqual(e?.prediction_tokens);
      expect(gridToRows(b?.answer as Grid)).toEqual(e?.prediction);
      // Every supervision step (halt_max_steps 2 in this preset), the last one being the answer.
      expect(b?.steps.map((s) => s.step)).toEqual([1, 2]);
      expect(Array.from(b?.steps[1]?.tokens ?? [])).toEqual(e?.prediction_tokens);
      // TRM's halting rule: q_halt > 0; the halting step is the first step where it holds.
      for (const s of b?.steps ?? []) expect(s.halts).toBe(s.qHalt > 0);
      expect(b?.haltStep).toBe(b?.steps.find((s) => s.halts)?.step ?? null);
    }
    // One step only: the answers after step 1.
    const one = await loadRun<Grid>(run, { models });
    const first = await one.solve(boards.slice(0, 2), { steps: 1 });
    expect(first[0]?.steps).toHaveLength(1);
    expect(first[0]?.tokens).toEqual(byBoards[0]?.steps[0]?.tokens);
    // The run's final.safetensors with its config.json gives the same answers.
    const fromFile = await loadWeights<Grid>({ weights: join(run, "checkpoints", "final.safetensors"), config: join(run, "config.json"), models });
    expect((await fromFile.solveTokens(rows.slice(0, 4))).map((s) => Array.from(s.tokens))).toEqual(expected.slice(0, 4).map((e) => e.prediction_tokens));
    await expect(one.solve(boards, { steps: 3 })).rejects.toThrow("steps must be an integer in 1..2");
    one.dispose();
    fromFile.dispose();
  });

  it("runs the README example", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Use a trained model"), readme.indexOf("## Your own task"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    expect(code).toContain('loadRun<Grid>("runs/sudoku4"');
    const file = join(root, "readme-example.ts");
    await writeFile(file, code.replace('"runs/sudoku4"', JSON.stringify(run)));
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const before = tf.memory().numTensors;
    await import(/* @vite-ignore */ file);
    expect(tf.memory().numTensors).toBe(before);
    const lines = log.mock.calls;
    vi.restoreAllMocks();
    expect(lines).toHaveLength(3);
    expect(lines[0]?.[1]).toBe("halting step:");
    const answer = lines[0]?.[0] as number[][];
    expect(answer).toHaveLength(4);
    for (const row of answer) expect(row).toHaveLength(4);
    expect(lines.slice(1).map((l): unknown => l[0])).toEqual(["step 1", "step 2"]);
    expect(lines[2]?.[1]).toEqual(answer);
  });

  it("names a missing or foreign run folder, a wrong puzzle size and a token outside the vocabulary", async () => {
    await expect(loadRun(join(root, "nope"), { models })).rejects.toThrow(RunFolderError);
    await expect(loadRun(join(root, "nope"), { models })).rejects.toThrow(`${join(root, "nope")}: no such run folder`);
    await expect(loadRun(data, { models })).rejects.toThrow(`${data} is not a training run folder: it has no config.json`);
    const other = join(root, "other");
    await mkdir(other);
    await writeFile(join(other, "run.json"), JSON.stringify({ format: "trm-run", run_id: "0123456789abcdef", kind: "something else", created: "" }));
    await expect(loadRun(other, { models })).rejects.toThrow(`${other} holds a something else run, not a trm-train fit run`);
    await expect(loadWeights({ weights: join(root, "none.safetensors"), config: join(run, "config.json"), models })).rejects.toThrow(RunFolderError);

    const solver = await loadRun(run, { models });
    try {
      await expect(solver.solveTokens([new Int32Array(15)])).rejects.toThrow(new PuzzleShapeError("puzzle 0: 15 tokens, but the model takes seq_len 16"));
      const bad = new Int32Array(16).fill(1);
      bad[3] = 6;
      await expect(solver.solveTokens([new Int32Array(16).fill(1), bad])).rejects.toThrow("puzzle 1: token 6 at position 3 is outside the vocabulary 0..5");
      await expect(solver.solveTokens([bad.fill(1)], { puzzleIdentifiers: [1] })).rejects.toThrow("puzzle 0: puzzle identifier 1 is outside 0..0");
    } finally {
      solver.dispose();
    }
  });
});
