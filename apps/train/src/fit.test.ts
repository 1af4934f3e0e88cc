import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { evalBatches, limitRows } from "@trm/data";
import { evalSummary, evaluateModel } from "@trm/eval";
import { createModel, PRESETS, parseTrainConfig } from "@trm/train";
import { readDataset } from "@trm/data/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";
import { MODELS } from "./models.js";

// The tiny preset, shortened to fit a shared 2-core box in under a minute.
const STEPS = 120;
const TEST_ROWS = 128;
let root: string;
let data: string;

function capture() {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  return {
    text: () => out.mock.calls.map((c) => String(c[0])).join(""),
    errors: () => err.mock.calls.map((c) => String(c[0])).join(""),
    restore: () => vi.restoreAllMocks(),
  };
}

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-train-fit-"));
  data = join(root, "sudoku4");
  const io = capture();
  const code = await main(["build-data", "--generate", "sudoku:size=4,train=600,test=128,minClues=8", "--aug", "3", "--seed", "5", "--out", data]);
  io.restore();
  expect(code).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("trm-train fit + eval (end to end)", () => {
  it("a tiny TRM learns 4x4 Sudoku: held-out exact accuracy rises far above the untrained model's", async () => {
    const sets = ["--set", `max_steps=${STEPS}`, "--set", "eval_every_steps=1000", "--set", `eval_max_examples=${TEST_ROWS}`];
    const run = join(root, "runs", "tiny");

    // The same model before training, on the same test rows.
    const config = parseTrainConfig(PRESETS["tiny-trm-sudoku4"]?.config);
    const test = readDataset(data, "test");
    const m = test.metadata;
    const untrained = createModel(MODELS, config.arch, { vocab_size: m.vocab_size, seq_len: m.seq_len, num_puzzle_identifiers: m.num_puzzle_identifiers }, config.seed);
    const before = evalSummary(await evaluateModel(untrained, limitRows(evalBatches(test, 64), TEST_ROWS)));
    untrained.dispose();

    const io = capture();
    const fitCode = await main(["fit", "--task", "sudoku", "--data", data, "--model", "trm", "--config", "tiny-trm-sudoku4", ...sets, "--out", run, "--backend", "wasm", "--quiet"]);
    const fitOut = io.text();
    const fitErr = io.errors();
    io.restore();
    expect(fitCode, fitErr).toBe(0);
    expect(fitOut).toMatch(new RegExp(`step ${STEPS}: test exact accuracy`));

    const io2 = capture();
    const evalJson = join(root, "eval.json");
    const evalCode = await main(["eval", "--run", run, "--out", evalJson, "--predictions", join(root, "pred.jsonl"), "--backend", "wasm"]);
    const evalOut = io2.text();
    io2.restore();
    expect(evalCode).toBe(0);
    expect(evalOut).toContain("exact accuracy:");
    expect(evalOut).toContain("accuracy after each supervision step");
    const after = JSON.parse(await readFile(evalJson, "utf8")) as { rows: number; exact_accuracy: number; accuracy: number; weights_copy: string; per_step: unknown[] };
    console.log(`tiny-trm-sudoku4, ${STEPS} steps: exact ${before.exact_accuracy} -> ${after.exact_accuracy}, token ${before.accuracy} -> ${after.accuracy}`);
    expect(after.rows).toBe(128);
    expect(after.weights_copy).toBe("ema");
    expect(after.per_step).toHaveLength(config.arch.halt_max_steps ?? 0);
    expect(before.exact_accuracy).toBeLessThan(0.05);
    expect(after.exact_accuracy).toBeGreaterThan(EXACT_THRESHOLD);
    expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.2);
    const preds = (await readFile(join(root, "pred.jsonl"), "utf8")).trim().split("\n");
    expect(preds).toHaveLength(128);
    expect(JSON.parse(preds[0] ?? "{}")).toHaveProperty("prediction");

    // The run directory layout.
    expect(JSON.parse(await readFile(join(run, "config.json"), "utf8"))).toMatchObject({ task: "sudoku", max_steps: STEPS, arch: { name: "trm" } });
    const metrics = (await readFile(join(run, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { split: string; step: number });
    expect(metrics.filter((r) => r.split === "train").map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(await readdir(join(run, "checkpoints"))).toEqual(expect.arrayContaining(["final.safetensors", `step-${String(STEPS).padStart(8, "0")}.json`, `step-${String(STEPS).padStart(8, "0")}.safetensors`]));
  }, 180_000);

  it("resumes a stopped run with --resume and continues the step count", async () => {
    const run = join(root, "runs", "resume");
    const args = ["fit", "--data", data, "--model", "hrm", "--config", "tiny-hrm-sudoku4", "--set", "max_steps=6", "--set", "global_batch_size=16", "--out", run, "--backend", "wasm", "--quiet"];
    const io = capture();
    expect(await main([...args, "--max-steps", "3"])).toBe(0);
    expect(await main(["fit", "--out", run, "--resume", "--backend", "wasm", "--quiet"])).toBe(0);
    io.restore();
    const steps = (await readFile(join(run, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { split: string; step: number })
      .filter((r) => r.split === "train")
      .map((r) => r.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  }, 120_000);

  it("names an unknown config key and suggests the nearest one", async () => {
    const io = capture();
    const code = await main(["fit", "--data", data, "--model", "trm", "--set", "weight_decy=0.1", "--out", join(root, "runs", "bad")]);
    const err = io.errors();
    io.restore();
    expect(code).toBe(2);
    expect(err).toContain('weight_decy: unknown key; did you mean "weight_decay"?');
  });

  it("prints help", async () => {
    const io = capture();
    expect(await main(["fit", "--help"])).toBe(0);
    expect(await main(["eval", "--help"])).toBe(0);
    const text = io.text();
    io.restore();
    expect(text).toContain("trm-train fit --task <t> --data <dir> --model trm|hrm");
    expect(text).toContain("trm-train eval --run runs/<name>");
  });
});

// Measured on wasm on this data with run seeds 0, 1, 2: exact 0.91-0.95 after 100 steps and 0.95-0.96 after 150, but
// only 0.05-0.32 after 60, so 120 steps leave a wide margin whichever initial draw a seed gives. An untrained model or
// a broken loop stays near 0.
const EXACT_THRESHOLD = 0.5;
