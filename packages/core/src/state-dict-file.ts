import { writeFileAtomic } from "./atomic-write.js";
import type { RecursiveModel } from "./recursive-model.js";
import { encodeModelWeights, loadStateDict, type LoadStateDictOptions, type LoadStateDictResult } from "./state-dict.js";
import { loadWeightsFile } from "./torch-checkpoint.js";

/**
 * Loads a weights file into the model: safetensors with official names, or an official PyTorch `torch.save` checkpoint
 * (recognised by its signature whatever its file name, read without executing anything; see `loadWeightsFile`).
 */
export async function loadCheckpointWeights(
  model: RecursiveModel,
  path: string,
  options: Omit<LoadStateDictOptions, "source"> = {},
): Promise<LoadStateDictResult> {
  const tensors = await loadWeightsFile(path);
  try {
    return loadStateDict(model, tensors, { ...options, source: path });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Saves the model's state dict as a safetensors file, atomically (see {@link encodeModelWeights} for the metadata). */
export async function saveModelWeights(
  model: RecursiveModel,
  path: string,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const bytes = await encodeModelWeights(model, metadata, path);
  await writeFileAtomic(path, bytes, "safetensors file");
}
