import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { saveModelWeights } from "@trm/core/node";
import { evalBatches, limitRows } from "@trm/data";
import { loadArcTestPuzzles, readDataset } from "@trm/data/node";
import { evaluateModel, scoreRows } from "@trm/eval";
import { createModel, evalBatchSize, PRESETS, parseTrainConfig, type TrainConfigInput } from "@trm/train";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";
import { MODELS } from "./models.js";

let root: string;

async function quiet<T>(fn: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const value = await fn();
    return { value, out: out.mock.calls.map((c) => String(c[0])).join(""), err: err.mock.calls.map((c) => String(c[0])).join("") };
  } finally {
    vi.restoreAllMocks();
  }
}

/** An untrained tiny TRM for `data`, saved as weights + config files the way `trm-train eval --weights` reads them. */
async function savedModel(data: string, name: string, arch: Record<string, unknown> = {}) {
  const base = PRESETS["tiny-trm-sudoku4"]?.config as TrainConfigInput;
  const input = { ...base, task: undefined, arch: { ...base.arch, ...arch }, eval_batch_size: 5 };
  const config = parseTrainConfig(input);
  const m = readDataset(data, "test").metadata;
  const model = createModel(MODELS, config.arch, { vocab_size: m.vocab_size, seq_len: m.seq_len, num_puzzle_identifiers: m.num_puzzle_identifiers }, 3);
  const weights = join(root, `${name}.safetensors`);
  const configFile = join(root, `${name}.json`);
  await saveModelWeights(model, weights);
  await writeFile(configFile, JSON.stringify(input));
  return { model, config, weights, configFile };
}

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-train-eval-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("trm-train eval", () => {
  it("reports the official token accuracy, the same number the comparison's evaluation gives, on a maze dataset", async () => {
    const data = join(root, "maze");
    expect((await quiet(() => main(["build-data", "--task", "maze", "--generate", "side=7,train=4,test=12,minPath=4", "--out", data]))).value).toBe(0);
    const { model, config, weights, configFile } = await savedModel(data, "maze");
    const out = join(root, "maze-eval.json");
    const r = await quiet(() => main(["eval", "--weights", weights, "--config", configFile, "--data", data, "--out", out, "--backend", "wasm"]));
    expect(r.value, r.err).toBe(0);
    const cli = JSON.parse(await readFile(out, "utf8")) as { rows: number; accuracy: number; exact_accuracy: number };

    // The comparison evaluates the same way: evaluateModel over evalBatches of the config's eval batch size.
    const test = readDataset(data, "test");
    const compared = await evaluateModel(model, limitRows(evalBatches(test, evalBatchSize(config)), undefined));
    expect(cli.rows).toBe(12);
    expect(cli.accuracy).toBeCloseTo(compared.tokenAccuracy, 12);
    expect(cli.exact_accuracy).toBeCloseTo(compared.exactAccuracy, 12);
    // And it is the official definition: the per-example share of right labels, averaged over examples.
    const last = compared.kept.snapshots.find((s) => s.step === compared.steps);
    const rows = scoreRows(last?.tokens ?? new Int32Array(0), compared.kept.labels, compared.seqLen);
    const perRow = Array.from(rows.labelCounts, (n, i) => (rows.correctCounts[i] ?? 0) / n);
    expect(cli.accuracy).toBeCloseTo(perRow.reduce((a, b) => a + b, 0) / perRow.length, 12);
    model.dispose();
  }, 120_000);

  it("on ARC data votes over augmentations, reports pass@1 / pass@2 and writes the Kaggle submission", async () => {
    const src = join(root, "arc-src");
    const task = (colour: number) => ({
      train: [
        { input: [[colour, 0], [0, colour]], output: [[0, colour], [colour, 0]] },
        { input: [[colour, colour]], output: [[0, 0]] },
      ],
      test: [{ input: [[0, colour], [colour, colour]], output: [[colour, 0], [0, 0]] }],
    });
    await mkdir(join(src, "training"), { recursive: true });
    await mkdir(join(src, "evaluation"), { recursive: true });
    await writeFile(join(src, "training", "t1.json"), JSON.stringify(task(3)));
    await writeFile(join(src, "evaluation", "e1.json"), JSON.stringify(task(4)));
    await writeFile(join(src, "evaluation", "e2.json"), JSON.stringify({ ...task(5), test: [...task(5).test, ...task(6).test] }));
    const data = join(root, "arc");
    expect((await quiet(() => main(["build-data", "--task", "arc", "--src", src, "--aug", "2", "--out", data]))).value).toBe(0);

    const { model, weights, configFile } = await savedModel(data, "arc", { mlp_t: false, pos_encodings: "rope", hidden_size: 16, puzzle_emb_ndim: 16 });
    model.dispose();
    const submission = join(root, "submission.json");
    const out = join(root, "arc-eval.json");
    const r = await quiet(() => main(["eval", "--weights", weights, "--config", configFile, "--data", data, "--out", out, "--submission", submission, "--backend", "wasm"]));
    expect(r.value, r.err).toBe(0);
    expect(r.out).toMatch(/ARC \(voted over augmentations, 2 tasks\): pass@1 [\d.]+%, pass@2 [\d.]+%/);

    // One entry per held-out task, two attempts per test input, in the format the ARC Prize reads.
    const sub = JSON.parse(await readFile(submission, "utf8")) as Record<string, { attempt_1: number[][]; attempt_2: number[][] }[]>;
    expect(Object.keys(sub).sort()).toEqual(["e1", "e2"]);
    expect(sub.e1).toHaveLength(1);
    expect(sub.e2).toHaveLength(2);
    // pass@1 in the summary is the share of tasks whose first attempts are all right.
    const tasks = loadArcTestPuzzles(data) ?? [];
    const rows = (g: { rows: number; cols: number; cells: ArrayLike<number> }) =>
      Array.from({ length: g.rows }, (_, i) => Array.from(g.cells).slice(i * g.cols, (i + 1) * g.cols));
    const right = tasks.filter((t) => t.test.every((p, i) => JSON.stringify(sub[t.id]?.[i]?.attempt_1) === JSON.stringify(rows(p.output))));
    const summary = JSON.parse(await readFile(out, "utf8")) as { arc: { pass_at_k: Record<string, number>; tasks: number } };
    expect(summary.arc.tasks).toBe(2);
    expect(summary.arc.pass_at_k["1"]).toBeCloseTo(right.length / tasks.length, 12);
  }, 180_000);
  it("refuses weights holding NaN, naming the file and the tensor, instead of reporting 0%", async () => {
    const data = join(root, "nan-data");
    expect((await quiet(() => main(["build-data", "--generate", "sudoku:size=4,train=4,test=4", "--out", data]))).value).toBe(0);
    const { model, weights, configFile } = await savedModel(data, "nan");
    const name = "inner.lm_head.weight";
    const lm = model.params.get(name)!;
    lm.assign(tf.fill(lm.shape, Number.NaN));
    await saveModelWeights(model, weights);
    model.dispose();
    const r = await quiet(() => main(["eval", "--weights", weights, "--config", configFile, "--data", data, "--backend", "wasm"]));
    expect(r.value, r.err).toBe(2);
    expect(r.err).toContain(`${weights}: tensor "${name}" holds NaN or an infinity`);
    expect(r.out).not.toMatch(/accuracy/);
  });
});
