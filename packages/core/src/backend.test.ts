import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { adapterLabel, BackendUnavailableError, describeAdapter, probeWebGpu, useBackend } from "./backend.js";

// WebGPU runs where Dawn (the `webgpu` package) finds an adapter: a GPU driver, or Mesa's lavapipe (Debian backports).
const gpu = await probeWebGpu();
const skipNote = gpu.adapter === null ? ` (skipped: ${gpu.reason})` : "";

describe("useBackend", () => {
  it("runs on wasm", async () => {
    const lines: string[] = [];
    const info = await useBackend("wasm", { log: (l) => lines.push(l) });
    expect(info.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(lines).toHaveLength(1);
    // One line that says whether the optional native kernels run under wasm, and why not when they do not.
    expect(lines[0]).toMatch(/^backend: wasm( \+ native kernels \(.+\)| \(native kernels off: .+\))$/);
    expect(info.native?.active).toBe(lines[0]?.includes("+ native kernels"));
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

  it.skipIf(gpu.adapter !== null && !gpu.adapter.software)("auto falls back to wasm here and says why in one line", async () => {
    const lines: string[] = [];
    const info = await useBackend("auto", { log: (l) => lines.push(l) });
    expect(info.name).toBe("wasm");
    expect(info.fallbacks).toHaveLength(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: wasm.* \(auto; skipped tensorflow-gpu: .*; webgpu: .*; tensorflow: .*\)$/);
    if (gpu.adapter?.software) expect(info.fallbacks[1]).toMatch(/^webgpu: only a software adapter was found \(.*\(software\)\); auto skips it/);
  });

  it.skipIf(gpu.adapter === null)(`webgpu by name runs on the adapter and names it${skipNote}`, async () => {
    const lines: string[] = [];
    const info = await useBackend("webgpu", { log: (l) => lines.push(l), webgpuFlags: [] });
    expect(info.name).toBe("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(info.adapter).toEqual(gpu.adapter);
    expect(lines).toEqual([`backend: webgpu on ${adapterLabel(gpu.adapter!)}`]);
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
    await useBackend("wasm", { log: null });
  });

  it("rejects a malformed Dawn flag, naming the flag", async () => {
    await expect(useBackend("webgpu", { log: null, webgpuFlags: ["vulkan"] })).rejects.toThrow(/--webgpu-flag: expected key=value .*"vulkan"/);
  });

  it("describes adapters, telling software ones from hardware ones", () => {
    const lavapipe = describeAdapter({ info: { vendor: "mesa", architecture: "software", device: "llvmpipe", description: "llvmpipe: Mesa 25.0.7", isFallbackAdapter: true } });
    expect(lavapipe.software).toBe(true);
    expect(adapterLabel(lavapipe)).toBe("mesa software, llvmpipe: Mesa 25.0.7 (software)");
    expect(describeAdapter({ info: { vendor: "google", architecture: "swiftshader", description: "SwiftShader Device (Subzero)" } }).software).toBe(true);
    expect(describeAdapter({ info: { vendor: "microsoft", description: "Microsoft Basic Render Driver" } }).software).toBe(true);
    const rtx = describeAdapter({ info: { vendor: "nvidia", architecture: "ampere", device: "", description: "NVIDIA GeForce RTX 3080" } });
    expect(rtx.software).toBe(false);
    expect(adapterLabel(rtx)).toBe("nvidia ampere, NVIDIA GeForce RTX 3080");
    expect(adapterLabel(describeAdapter({}))).toBe("unnamed adapter");
  });

  it("rejects an unknown name", async () => {
    await expect(useBackend("metal" as never, { log: null })).rejects.toThrow(/Unknown backend "metal"/);
  });
});
