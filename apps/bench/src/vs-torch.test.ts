import { describe, expect, it } from "vitest";
import { findConfig, type BenchConfig } from "./configs.js";
import type { ModelBenchOptions, ModelBenchResult } from "./model-bench.js";
import { summarize } from "./stats.js";
import type { TorchBenchResult, TorchRun } from "./torch-ref.js";
import { mean } from "./stats.js";
import { ratio, summarizeRatios, torchEvalWarmup, vsTorch, vsTorchRows, type Measure } from "./vs-torch.js";

const m = (meanMs: number): Measure => ({ meanMs, medianMs: null, minMs: meanMs, maxMs: meanMs });

describe("ratios", () => {
  it("PyTorch's faster setting over ours, by mean", () => {
    expect(ratio([m(60), m(40)], m(20))).toBe(2);
    expect(ratio([m(30), m(50)], { meanMs: 60, medianMs: 10, minMs: 5, maxMs: 100 })).toBe(0.5);
    expect(() => ratio([], m(1))).toThrow(/no PyTorch measurement/);
  });

  it("median and spread over rounds", () => {
    expect(summarizeRatios([1.5, 0.5, 1.0])).toEqual({ median: 1, min: 0.5, max: 1.5 });
    expect(summarizeRatios([2, 1])).toEqual({ median: 1.5, min: 1, max: 2 });
    expect(summarizeRatios([])).toBeNull();
    expect(mean([1, 2, 6])).toBe(3);
  });

  it("bench.py's evaluation warm-up: the same forward steps as ours, at least one", () => {
    expect(torchEvalWarmup(0, 16)).toBe(1);
    expect(torchEvalWarmup(2, 16)).toBe(32);
  });
});

describe("vsTorch (stand-ins for both sides)", () => {
  const options = { warmup: 1, runs: 3, evalWarmup: 0, evalRuns: 1, evalSteps: 16 } satisfies ModelBenchOptions;

  function fakes(oursTrainMs: number[][], torchSec: (run: TorchRun, call: number) => number, params: number | null = null) {
    const calls: string[] = [];
    const seen: { ours: ModelBenchOptions[]; torch: TorchRun[]; models: BenchConfig[] } = { ours: [], torch: [], models: [] };
    let round = 0;
    let torchCall = 0;
    const runOurs = (config: BenchConfig, o: ModelBenchOptions): Promise<ModelBenchResult> => {
      calls.push("ours");
      seen.ours.push(o);
      seen.models.push(config);
      const train = summarize(o.warmup, oursTrainMs[round++] ?? [1]);
      return Promise.resolve({ train, eval: summarize(0, [400]), numTensorsFlat: true } as unknown as ModelBenchResult);
    };
    const runTorch = (run: TorchRun): Promise<TorchBenchResult> => {
      calls.push(`torch ${run.mode} ${run.threads}/${run.blasThreads}`);
      seen.torch.push(run);
      const s = torchSec(run, torchCall++);
      return Promise.resolve({ mode: run.mode, secMean: s, secMin: s, secMax: s, timed: run.steps, threads: run.threads, blasThreads: run.blasThreads, params, torch: "1.13", raw: {} });
    };
    return { calls, seen, runOurs, runTorch };
  }

  it("interleaves ours, PyTorch 1/1, PyTorch 1/2 per round and computes the ratios", async () => {
    // Round 1: ours mean 20 ms; round 2: ours mean 40 ms. PyTorch train 1/1 = 60 ms, 1/2 = 30 ms; eval 800 / 200 ms.
    const f = fakes([[10, 20, 30], [40, 40, 40]], (run) => (run.mode === "infer" ? (run.blasThreads === 1 ? 0.8 : 0.2) : run.blasThreads === 1 ? 0.06 : 0.03));
    const lines: string[] = [];
    const row = await vsTorch(findConfig("trm-tiny"), {
      rounds: 2, model: options, eval: true, python: "py", script: "bench.py", kernel: "wasm+native", matchHalt: false, progress: (l) => lines.push(l), runOurs: f.runOurs, runTorch: f.runTorch,
    });
    const round = ["ours", "torch train 1/1", "torch infer 1/1", "torch train 1/2", "torch infer 1/2"];
    expect(f.calls).toEqual([...round, ...round]);
    expect(row.rounds.map((r) => r.trainRatio)).toEqual([1.5, 0.75]);
    expect(row.rounds.map((r) => r.evalRatio)).toEqual([0.5, 0.5]);
    expect(row.rounds[0]?.oursTrain).toEqual({ meanMs: 20, medianMs: 20, minMs: 10, maxMs: 30 });
    expect(row.train).toEqual({ median: 1.125, min: 0.75, max: 1.5 });
    expect(row.eval).toEqual({ median: 0.5, min: 0.5, max: 0.5 });
    // Same warm-up and step counts on both sides; the batch and the mapped flags go to bench.py.
    expect(f.seen.torch[0]).toMatchObject({ mode: "train", steps: 3, warmup: 1, batch: 64, python: "py", script: "bench.py" });
    expect(f.seen.torch[1]).toMatchObject({ mode: "infer", steps: 1, warmup: 1 });
    expect(f.seen.torch[0]?.modelArgs.slice(0, 4)).toEqual(["--model", "trm", "--hidden", "128"]);
    expect(lines.filter((l) => l.startsWith("bench: trm-tiny round"))).toHaveLength(6);
    const table = vsTorchRows(row);
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/^\| trm-tiny \| 64 \| 1 \| \d+\.\d\d -> \d+\.\d\d \| 20\.0; 20\.0 \| 60\.0 \| 30\.0 \| 1\.50x \| 400\.0 \| 800\.0 \| 200\.0 \| 0\.50x \|$/);
    expect(table[2]).toBe("| trm-tiny | 64 | median (min–max) | | | | | **1.13x** (0.75x–1.50x) | | | | **0.50x** (0.50x–0.50x) |");
  });

  it("--no-eval: no PyTorch evaluation, ours cut to one step and not reported", async () => {
    const f = fakes([[10]], () => 0.01);
    const row = await vsTorch(findConfig("trm-tiny"), {
      rounds: 1, model: options, eval: false, python: "py", script: "s", kernel: "wasm", matchHalt: false, progress: () => undefined, runOurs: f.runOurs, runTorch: f.runTorch,
    });
    expect(f.calls).toEqual(["ours", "torch train 1/1", "torch train 1/2"]);
    expect(f.seen.ours[0]).toMatchObject({ evalSteps: 1, evalRuns: 1, evalWarmup: 0, runs: 3 });
    expect(row.rounds[0]?.evalRatio).toBeNull();
    expect(row.eval).toBeNull();
    expect(vsTorchRows(row)[0]).toMatch(/\| 1\.00x \| - \| - \| - \| - \|$/);
  });

  it("a configuration bench.py cannot express runs nothing and says why", async () => {
    const f = fakes([], () => 1);
    const row = await vsTorch(findConfig("tiny-trm-sudoku4"), {
      rounds: 2, model: options, eval: true, python: "py", script: "s", kernel: "wasm", matchHalt: false, progress: () => undefined, runOurs: f.runOurs, runTorch: f.runTorch,
    });
    expect(f.calls).toEqual([]);
    expect(row.notComparable).toBe("not comparable: halt_max_steps differs (ours 2, bench.py fixes 16)");
    expect(vsTorchRows(row)).toEqual(["| tiny-trm-sudoku4 | 32 | - | not comparable: halt_max_steps differs (ours 2, bench.py fixes 16) | | | | | | | | |"]);
  });

  it("with matchHalt our side runs the model at halt_max_steps 16", async () => {
    const f = fakes([[5]], () => 0.01);
    const row = await vsTorch(findConfig("tiny-hrm-sudoku4"), {
      rounds: 1, model: options, eval: true, python: "py", script: "s", kernel: "wasm", matchHalt: true, progress: () => undefined, runOurs: f.runOurs, runTorch: f.runTorch,
    });
    expect(row.notComparable).toBeNull();
    expect(f.seen.models[0]?.model.halt_max_steps).toBe(16);
    expect(row.notes[0]).toMatch(/^halt_max_steps 2 -> 16/);
    expect(row.torchVersion).toBe("1.13");
  });

  it("a bench.py model of another size than ours (a difference the mapping missed) is not compared", async () => {
    const f = fakes([[5], [5]], () => 0.01, 999);
    const row = await vsTorch(findConfig("trm-tiny"), {
      rounds: 2, model: options, eval: true, python: "py", script: "s", kernel: "wasm", matchHalt: false, progress: () => undefined, runOurs: f.runOurs, runTorch: f.runTorch,
    });
    expect(f.calls).toEqual(["ours", "torch train 1/1"]);
    expect(row.notComparable).toBe("not comparable: parameter count differs (ours 526594, bench.py 999)");
    expect(row.rounds).toEqual([]);
    // With bench.py's own count for these flags (torch 1.13), the run goes on.
    const g = fakes([[5]], () => 0.01, 526594);
    const ok = await vsTorch(findConfig("trm-tiny"), {
      rounds: 1, model: options, eval: false, python: "py", script: "s", kernel: "wasm", matchHalt: false, progress: () => undefined, runOurs: g.runOurs, runTorch: g.runTorch,
    });
    expect(ok.notComparable).toBeNull();
  });
});
