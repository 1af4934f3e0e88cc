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
