import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, useBackend } from "./backend.js";

describe("useBackend", () => {
  it("runs on wasm", async () => {
    const lines: string[] = [];
    const info = await useBackend("wasm", { log: (l) => lines.push(l) });
    expect(info.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(lines).toEqual(["backend: wasm"]);
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(y.dataSync())).toEqual([11]);
  });

  it("runs on cpu", async () => {
    const info = await useBackend("cpu", { log: null });
    expect(info.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(Array.from(tf.add(tf.scalar(2), tf.scalar(3)).dataSync())).toEqual([5]);
  });

  it("explains how to install tfjs-node when tensorflow is asked for and missing", async () => {
    const err = await useBackend("tensorflow", { log: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/Backend "tensorflow" is not available: @tensorflow\/tfjs-node did not load/);
    expect((err as Error).message).toContain("pnpm add @tensorflow/tfjs-node@4.22.0");
  });

  it("explains the GPU requirements when tensorflow-gpu is asked for and missing", async () => {
    const err = await useBackend("tensorflow-gpu", { log: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toContain("CUDA 11.2 and cuDNN 8.1");
  });

  it("auto falls back to wasm here and says why in one line", async () => {
    const lines: string[] = [];
    const info = await useBackend("auto", { log: (l) => lines.push(l) });
    expect(info.name).toBe("wasm");
    expect(info.fallbacks).toHaveLength(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: wasm \(auto; skipped tensorflow-gpu: .*; tensorflow: .*\)$/);
  });

  it("rejects an unknown name", async () => {
    await expect(useBackend("metal" as never, { log: null })).rejects.toThrow(/Unknown backend "metal"/);
  });
});
