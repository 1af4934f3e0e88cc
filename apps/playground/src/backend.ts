import * as tf from "@tensorflow/tfjs-core";
// The page offers WebGL, so it registers that backend; @trm/core's useBackend loads wasm and webgpu itself.
import "@tensorflow/tfjs-backend-webgl";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { useBackend } from "@trm/core";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

export type PageBackend = "webgpu" | "webgl" | "wasm";
export const PAGE_BACKENDS: readonly PageBackend[] = ["webgpu", "webgl", "wasm"];

/**
 * Selects the first backend that works here, in the order webgpu, webgl, wasm (or only `forced`), and returns one line
 * naming it (and the WebGPU adapter) and why faster ones were skipped.
 */
export async function selectBackend(forced: PageBackend | null): Promise<string> {
  // The wasm binaries are served beside the page (the bundler copies them).
  setWasmPaths({
    "tfjs-backend-wasm.wasm": wasmPlain,
    "tfjs-backend-wasm-simd.wasm": wasmSimd,
    "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded,
  });
  const skipped: string[] = [];
  for (const name of forced ? [forced] : PAGE_BACKENDS) {
    try {
      if (name === "webgl") {
        if (!(await tf.setBackend("webgl"))) throw new Error("WebGL did not initialise");
        // A backend that initialises but cannot compile its shaders fails here, not on the first model step.
        tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1))).dispose();
        await tf.ready();
        return `backend: webgl${skipped.length ? ` (skipped ${skipped.join("; ")})` : ""}`;
      }
      // By name: in a browser any WebGPU adapter the browser offers is used.
      const info = await useBackend(name, { log: null });
      return `${info.message}${skipped.length ? ` (skipped ${skipped.join("; ")})` : ""}`;
    } catch (e) {
      skipped.push(`${name}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""}`);
    }
  }
  throw new Error(`No backend runs in this browser: ${skipped.join("; ")}`);
}
