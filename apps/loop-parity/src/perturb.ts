import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@trm/data";
import { loadSafetensors, saveSafetensors } from "@trm/core/node";

/**
 * Writes a copy of a weights file with every nonzero value moved by a relative `eps` in a random direction
 * (w * (1 +- eps)): the reference trained from it shows how fast float noise alone separates two runs.
 */
export async function writePerturbed(src: string, dst: string, eps: number, seed: number): Promise<void> {
  const tensors = await loadSafetensors(src);
  const rng = createRng(seed);
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of [...tensors].sort(([a], [b]) => a.localeCompare(b))) {
      const v = Float32Array.from(t.dataSync());
      for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) * (1 + (rng.next() < 0.5 ? -eps : eps));
      out.set(name, tf.tensor(v, t.shape, "float32"));
    }
    await saveSafetensors(dst, out, { format: "pt" });
  } finally {
    for (const t of [...tensors.values(), ...out.values()]) t.dispose();
  }
}
