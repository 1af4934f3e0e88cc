import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCheckpoints } from "./checkpoint.js";
import { parseTrainConfig, type TrainConfigInput } from "./config.js";
import { fit, type FitEvent, type FitOptions } from "./fit.js";
import { FakeModel, FakeSampler, fakeBatch } from "./test-utils/fake-model.js";

const V = 6;
const L = 5;
let root: string;

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-fit-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(over: Partial<TrainConfigInput> = {}) {
  return parseTrainConfig({
    arch: { name: "fake" },
    global_batch_size: 8,
    lr: 0.05,
    lr_warmup_steps: 3,
    lr_min_ratio: 0.1,
    weight_decay: 0.1,
    puzzle_emb_lr: 0.01,
    ema_rate: 0.9,
    seed: 3,
    ...over,
  });
}

function options(over: Partial<FitOptions> & { config: FitOptions["config"] }): FitOptions {
  const model = new FakeModel({ vocab: V, seqLen: L, numPuzzleIds: 3, haltMaxSteps: 4, haltExplorationProb: 0.3, seed: 11 });
  return {
    model,
    totalSteps: 20,
    createSampler: (o, state) => new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, state),
    evalBatches: () => [fakeBatch(6, L, V, 99)],
    ...over,
  };
}

function weights(model: FitOptions["model"]): Map<string, number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe("fit", () => {
  it("resumes exactly: 20 steps straight equal 10 steps, stop, resume, 10 steps (2 micro-batches, eval and EMA on)", async () => {
    const cfg = config({ micro_batch_size: 4, eval_every_steps: 5, checkpoint_every_steps: 5 });
    const a = options({ config: cfg, runDir: join(root, "straight") });
    const ra = await fit(a);
    expect(ra.status).toBe("completed");
    expect(ra.step).toBe(20);

    const dir = join(root, "resumed");
    const b1 = options({ config: cfg, runDir: dir, budget: { maxSteps: 10 } });
    const rb1 = await fit(b1);
    expect(rb1.status).toBe("budget");
    expect(rb1.step).toBe(10);
    b1.model.dispose();
    const b2 = options({ config: cfg, runDir: dir, resume: true });
    const events: FitEvent[] = [];
    const rb2 = await fit({ ...b2, onEvent: (e) => events.push(e) });
    expect(rb2.step).toBe(20);
    expect(events[0]).toMatchObject({ type: "start", step: 10 });

    const wa = weights(a.model);
    const wb = weights(b2.model);
    expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    // The final EMA weights and the metrics history agree too.
    const fa = await readFile(join(root, "straight", "checkpoints", "final.safetensors"));
    const fb = await readFile(join(dir, "checkpoints", "final.safetensors"));
    expect(Buffer.compare(fa, fb)).toBe(0);
    const lines = (p: string) => readFile(p, "utf8").then((t) => t.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>));
    const ma = await lines(join(root, "straight", "metrics.jsonl"));
    const mb = await lines(join(dir, "metrics.jsonl"));
    expect(mb.map((r) => [r.split, r.step, r.loss, r.accuracy])).toEqual(ma.map((r) => [r.split, r.step, r.loss, r.accuracy]));
    a.model.dispose();
    b2.model.dispose();
  });

  it("accumulates: 1 x 8 and 4 x 2 micro-batches give the same updates and halting decisions", async () => {
    const runs = [];
    for (const micro of [8, 2]) {
      const o = options({ config: config({ micro_batch_size: micro, ema: false }), totalSteps: 6, evalBatches: undefined });
      const records: FitEvent[] = [];
      await fit({ ...o, onEvent: (e) => records.push(e) });
      runs.push({ w: weights(o.model), steps: records.flatMap((e) => (e.type === "step" ? [[e.record.count, e.record.steps]] : [])) });
      o.model.dispose();
    }
    const [one, four] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(four.steps).toEqual(one.steps);
    for (const [k, v] of one.w) {
      const other = four.w.get(k) ?? [];
      v.forEach((x, i) => expect(other[i], `${k}[${i}]`).toBeCloseTo(x, 5));
    }
  });

  it("stops on a NaN loss with a clear message, without applying it, keeping the last good checkpoint", async () => {
    const dir = join(root, "nan");
    const o = options({ config: config({ checkpoint_every_steps: 5 }), runDir: dir });
    (o.model as FakeModel).poisonFromCall = 7;
    const r = await fit(o);
    expect(r.status).toBe("diverged");
    expect(r.step).toBe(6);
    expect(r.message).toMatch(/loss is NaN at step 7 .*Last good checkpoint: .*step-00000005\.json \(step 5\)/);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([5]);
    o.model.dispose();
  });

  it("a failed checkpoint write leaves the previous one intact and says so", async () => {
    const dir = join(root, "atomic");
    // A directory where the step-10 weights file should go makes that write fail like a full disk would.
    await mkdir(join(dir, "checkpoints", "step-00000010.safetensors", "blocker"), { recursive: true });
    const events: FitEvent[] = [];
    const o = options({ config: config({ checkpoint_every_steps: 5, checkpoint_keep: 5 }), runDir: dir, totalSteps: 12 });
    const r = await fit({ ...o, onEvent: (e) => events.push(e) });
    expect(r.status).toBe("completed");
    const failed = events.find((e) => e.type === "checkpoint-failed");
    expect(failed).toMatchObject({ type: "checkpoint-failed", step: 10 });
    expect(failed?.type === "checkpoint-failed" && failed.previous).toMatch(/step-00000005\.json$/);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([12, 5]);
    const files = await readdir(join(dir, "checkpoints"));
    expect(files.filter((f) => f.includes("00000010"))).toEqual(["step-00000010.safetensors"]);
    expect(files.some((f) => f.endsWith(".tmp"))).toBe(false);
    // The step-5 checkpoint still resumes.
    await rm(join(dir, "checkpoints", "step-00000012.json"));
    const o2 = options({ config: config({ checkpoint_every_steps: 5 }), runDir: dir, totalSteps: 12, resume: true });
    const started: FitEvent[] = [];
    await fit({ ...o2, onEvent: (e) => started.push(e), budget: { maxSteps: 5 } });
    expect(started[0]).toMatchObject({ type: "start", step: 5 });
    o.model.dispose();
    o2.model.dispose();
  });

  it("stops on an AbortSignal after the current step and writes a checkpoint", async () => {
    const dir = join(root, "abort");
    const controller = new AbortController();
    const o = options({ config: config({}), runDir: dir });
    const r = await fit({
      ...o,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "step" && e.step === 3) controller.abort();
      },
    });
    expect(r.status).toBe("aborted");
    expect(r.step).toBe(3);
    expect((await listCheckpoints(join(dir, "checkpoints"))).map((c) => c.step)).toEqual([3]);
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8"))).toMatchObject({ global_batch_size: 8, lr: 0.05 });
    o.model.dispose();
  });

  it("keeps tf.memory().numTensors flat over 200 steps", async () => {
    const o = options({ config: config({ micro_batch_size: 4, eval_every_steps: 50 }), totalSteps: 200 });
    const counts: number[] = [];
    await fit({ ...o, onEvent: (e) => e.type === "step" && counts.push(e.record.memory.numTensors) });
    expect(counts).toHaveLength(200);
    expect(counts[199]).toBe(counts[9]);
    expect(Math.max(...counts.slice(9))).toBe(counts[9]);
    o.model.dispose();
  });
});
