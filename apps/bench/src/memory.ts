import * as tf from "@tensorflow/tfjs-core";

export interface MemorySnapshot {
  /** Peak resident set size of this process so far (getrusage maxrss), bytes. */
  readonly peakRssBytes: number;
  /** Current resident set size, bytes. */
  readonly rssBytes: number;
  /** The wasm module's memory (its buffer's byteLength): it only grows, so this is also its peak. Null off wasm. */
  readonly wasmHeapBytes: number | null;
  /** Live tensors (tf.memory().numTensors). */
  readonly numTensors: number;
}

interface WasmBackendLike {
  wasm?: { HEAPU8?: Uint8Array };
}

/** The wasm heap size in bytes, or null when the active backend is not wasm. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== "wasm") return null;
  const heap = (tf.backend() as unknown as WasmBackendLike).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : null;
}

export function memorySnapshot(): MemorySnapshot {
  return {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: process.memoryUsage.rss(),
    wasmHeapBytes: wasmHeapBytes(),
    numTensors: tf.memory().numTensors,
  };
}

export const MiB = 1024 * 1024;
