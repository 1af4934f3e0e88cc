import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";

/** The addon's one function: C[i] = op(A[i]) . op(B[i]) on views of `heap`; offsets in bytes, strides in floats. */
export type SgemmBatched = (
  heap: ArrayBuffer,
  batch: number,
  m: number,
  n: number,
  k: number,
  transposeA: number,
  transposeB: number,
  aOffset: number,
  aStride: number,
  bOffset: number,
  bStride: number,
  cOffset: number,
  cStride: number,
) => void;

/** Where the best-effort build puts the addon; `src/` and `dist/` both sit one level below the package root. */
export const ADDON_PATH = fileURLToPath(new URL("../dist/sgemm.node", import.meta.url));

export type LoadResult = { readonly ok: true; readonly sgemm: SgemmBatched } | { readonly ok: false; readonly reason: string };

/** Loads the addon when it was built; otherwise says why not (never throws). */
export function loadSgemm(addonPath: string = ADDON_PATH): LoadResult {
  if (!existsSync(addonPath)) {
    return { ok: false, reason: `${addonPath} was not built (needs a C compiler and a CBLAS library; see the package README)` };
  }
  try {
    const mod = createRequire(import.meta.url)(addonPath) as { sgemmBatched?: unknown };
    if (typeof mod.sgemmBatched !== "function") return { ok: false, reason: `${addonPath} has no sgemmBatched export` };
    return { ok: true, sgemm: mod.sgemmBatched as SgemmBatched };
  } catch (e) {
    return { ok: false, reason: `${addonPath} did not load: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The parts of tfjs-backend-wasm's BackendWasm that the kernel touches. */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let original: tf.KernelConfig | null = null;

/** True while the native kernel is the wasm backend's BatchMatMul. */
export function nativeMatMulActive(): boolean {
  return original !== null;
}

export type RegisterResult = { readonly registered: true } | { readonly registered: false; readonly reason: string };

/**
 * Makes the wasm backend's `BatchMatMul` call sgemm directly on the wasm heap (zero copy). All transpose flags and
 * batch shapes (with a broadcast batch of one) take the fast path, which XNNPACK only gives the plain 2-D product.
 * Call after `tf.setBackend("wasm")`. Without the addon this does nothing and returns why: the pure-wasm kernel stays.
 */
export function registerNativeMatMul(addonPath?: string): RegisterResult {
  if (original !== null) return { registered: true };
  if (tf.getBackend() !== "wasm") return { registered: false, reason: `the active backend is "${tf.getBackend()}", not wasm` };
  const loaded = loadSgemm(addonPath);
  if (!loaded.ok) return { registered: false, reason: loaded.reason };
  const heap = (tf.backend() as unknown as WasmBackendLike).wasm.HEAPU8.buffer;
  if (!(heap instanceof ArrayBuffer)) {
    // The threaded wasm build's heap is a SharedArrayBuffer; the addon takes only plain ArrayBuffers.
    return { registered: false, reason: "the wasm heap is not a plain ArrayBuffer (threaded build?)" };
  }
  const previous = tf.getKernel(tf.BatchMatMul, "wasm");
  if (previous === undefined) return { registered: false, reason: "the wasm backend has no BatchMatMul kernel to replace" };
  const sgemm = loaded.sgemm;
  const fallback = previous.kernelFunc;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const dim = (shape: readonly number[], i: number): number => shape[i] ?? 1;
    const m = attrs.transposeA ? dim(a.shape, ra - 1) : dim(a.shape, ra - 2);
    const k = attrs.transposeA ? dim(a.shape, ra - 2) : dim(a.shape, ra - 1);
    const kb = attrs.transposeB ? dim(b.shape, rb - 1) : dim(b.shape, rb - 2);
    const n = attrs.transposeB ? dim(b.shape, rb - 2) : dim(b.shape, rb - 1);
    if (k !== kb) {
      throw new Error(`matMul: inner sizes ${k} and ${kb} of shapes [${a.shape.join(",")}] and [${b.shape.join(",")}] differ.`);
    }
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    // Only equal batches or a batch of one broadcast map to strided sgemm calls; anything else keeps the wasm kernel.
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return fallback(args);
    const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const out = backend.makeOutput([...outer, m, n], "float32");
    // Read the heap after makeOutput: its malloc may grow the memory, which replaces the ArrayBuffer.
    const buffer = backend.wasm.HEAPU8.buffer as ArrayBuffer;
    const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)?.memoryOffset ?? 0;
    sgemm(
      buffer,
      Math.max(batchA, batchB),
      m,
      n,
      k,
      attrs.transposeA ? 1 : 0,
      attrs.transposeB ? 1 : 0,
      offset(a),
      batchA === 1 ? 0 : m * k,
      offset(b),
      batchB === 1 ? 0 : k * n,
      offset(out),
      m * n,
    );
    return out;
  };
  tf.unregisterKernel(tf.BatchMatMul, "wasm");
  tf.registerKernel({ ...previous, kernelFunc });
  original = previous;
  return { registered: true };
}

/** Puts the pure-wasm BatchMatMul back. */
export function unregisterNativeMatMul(): void {
  if (original === null) return;
  tf.unregisterKernel(tf.BatchMatMul, "wasm");
  tf.registerKernel(original);
  original = null;
}
