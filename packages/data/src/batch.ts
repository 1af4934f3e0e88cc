import type { PuzzleDataset } from "./dataset.js";

/** Label value the loss ignores (the official IGNORE_LABEL_ID). */
export const IGNORE_LABEL = -100;

/**
 * A batch as the model consumes it (`@trm/core`'s `RecursiveModel` steps on this type). Row-major [size * seqLen]
 * tokens; labels already have the dataset's ignore id mapped to {@link IGNORE_LABEL}.
 */
export interface Batch {
  /** Rows in the batch (B). */
  readonly size: number;
  /** Tokens per row (L, without the puzzle prefix). */
  readonly seqLen: number;
  /** [B * L] token ids. */
  readonly inputs: Int32Array;
  /** [B * L] target ids, {@link IGNORE_LABEL} where ignored. */
  readonly labels: Int32Array;
  /** [B] puzzle identifier of each row (0 = blank). */
  readonly puzzleIdentifiers: Int32Array;
}

/** Copies example `e` of `ds` into row `row` of a batch, mapping the ignore label id to -100. */
export function copyExample(ds: PuzzleDataset, e: number, row: number, inputs: Int32Array, labels: Int32Array): void {
  const L = ds.metadata.seq_len;
  const ignore = ds.metadata.ignore_label_id;
  const src = e * L;
  const dst = row * L;
  for (let k = 0; k < L; k++) {
    inputs[dst + k] = ds.inputs[src + k] ?? 0;
    const y = ds.labels[src + k] ?? 0;
    labels[dst + k] = ignore !== null && y === ignore ? IGNORE_LABEL : y;
  }
}
