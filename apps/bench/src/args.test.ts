import { describe, expect, it } from "vitest";
import { parseArgs } from "./args.js";

describe("parseArgs", () => {
  it("defaults: wasm, all seven configurations, median of 3 after 1 warm-up", () => {
    const a = parseArgs([]);
    expect(a.backend).toBe("wasm");
    expect(a.configs).toEqual(["trm-mlp-sudoku", "trm-att-sudoku", "trm-tiny", "hrm-sudoku", "hrm-tiny", "tiny-trm-sudoku4", "tiny-hrm-sudoku4"]);
    expect([a.runs, a.warmup, a.evalSteps]).toEqual([3, 1, 16]);
    expect(a.native).toBe(false);
  });

  it("reads flags in both spellings", () => {
    const a = parseArgs(["--backend", "cpu", "--config=trm-tiny,hrm-tiny", "--runs", "5", "--native", "--no-probe", "--batch=8"]);
    expect(a.backend).toBe("cpu");
    expect(a.configs).toEqual(["trm-tiny", "hrm-tiny"]);
    expect(a.runs).toBe(5);
    expect(a.native).toBe(true);
    expect(a.probe).toBe(false);
    expect(a.batch).toBe(8);
    expect(parseArgs(["--config", "none"]).configs).toEqual([]);
  });

  it("names the bad value", () => {
    expect(() => parseArgs(["--backend", "webgl"])).toThrow(/--backend: expected one of wasm, cpu, webgpu, tensorflow, tensorflow-gpu, got "webgl"/);
    expect(() => parseArgs(["--webgpu-flag", "vulkan"])).toThrow(/--webgpu-flag: expected key=value \(e\.g\. backend=vulkan\), got "vulkan"/);
    expect(parseArgs(["--backend", "webgpu", "--webgpu-flag", "backend=vulkan"]).webgpuFlags).toEqual(["backend=vulkan"]);
    expect(() => parseArgs(["--config", "trm-huge"])).toThrow(/unknown configuration "trm-huge"/);
    expect(() => parseArgs(["--runs", "0"])).toThrow(/--runs: expected an integer >= 1, got "0"/);
    expect(() => parseArgs(["--frobnicate"])).toThrow(/Unknown argument "--frobnicate"/);
  });
});

describe("parseArgs: --vs-torch", () => {
  it("reads its flags", () => {
    const a = parseArgs(["--vs-torch", "--config", "trm-tiny", "--rounds", "3", "--torch-bench", "/x/bench.py", "--torch-python=/opt/py", "--no-eval", "--torch-match-halt"]);
    expect([a.vsTorch, a.rounds, a.torchBench, a.torchPython, a.eval, a.torchMatchHalt]).toEqual([true, 3, "/x/bench.py", "/opt/py", false, true]);
    const d = parseArgs(["--vs-torch"]);
    expect([d.torchBench, d.torchPython, d.eval, d.torchMatchHalt, d.rounds]).toEqual([null, "/usr/bin/python3", true, false, 2]);
  });

  it("refuses what it cannot combine with, naming the flag", () => {
    expect(() => parseArgs(["--vs-torch", "--side-by-side"])).toThrow(/--vs-torch and --side-by-side are separate comparisons/);
    expect(() => parseArgs(["--vs-torch", "--backend", "cpu"])).toThrow(/--vs-torch .* needs --backend wasm, got "cpu"/);
    expect(() => parseArgs(["--vs-torch", "--soak", "10"])).toThrow(/--vs-torch and --soak/);
    expect(() => parseArgs(["--vs-torch", "--eval-steps", "8"])).toThrow(/--eval-steps: --vs-torch compares with bench\.py's evaluation of halt_max_steps = 16 steps, got 8/);
    expect(parseArgs(["--vs-torch", "--eval-steps", "8", "--no-eval"]).evalSteps).toBe(8);
    expect(() => parseArgs(["--no-eval"])).toThrow(/--no-eval only applies with --vs-torch/);
    expect(() => parseArgs(["--torch-bench", "b.py"])).toThrow(/--torch-bench only applies with --vs-torch/);
    expect(() => parseArgs(["--vs-torch", "--torch-python", ""])).toThrow(/--torch-python: expected a path, got ""/);
  });
});
