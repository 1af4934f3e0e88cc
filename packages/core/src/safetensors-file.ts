import { readFile } from "node:fs/promises";
import type * as tf from "@tensorflow/tfjs-core";
import { writeFileAtomic } from "./atomic-write.js";
import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  safetensorsToTensors,
  tensorsToSafetensors,
  type DecodedSafetensors,
  type SafetensorsTensor,
} from "./safetensors.js";

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Reads and decodes a safetensors file into typed arrays (no tfjs tensors), for tools. */
export async function readSafetensorsFile(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SafetensorsError(path, null, `cannot read: ${errorText(e)}`, { cause: e });
  }
  return decodeSafetensors(bytes, { source: path });
}

/**
 * Writes typed-array tensors to `path` atomically: into a temporary file in the same directory, flushed, then renamed
 * over `path`. On any failure the previous file at `path` is untouched and the temporary file is removed.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata), "safetensors file");
}

/** Saves tfjs tensors (float32 -> F32, int32 -> I32, bool -> BOOL) atomically, as {@link writeSafetensorsFile}. */
export async function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, tf.Tensor>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeSafetensorsFile(path, await tensorsToSafetensors(tensors, path), metadata);
}

/** Loads a safetensors file as tfjs tensors (F32/BF16/F16 -> float32, I32/I64/U8 -> int32, BOOL -> bool). The caller owns them. */
export async function loadSafetensors(path: string): Promise<Map<string, tf.Tensor>> {
  return safetensorsToTensors(await readSafetensorsFile(path));
}
