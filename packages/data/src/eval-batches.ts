import { IGNORE_LABEL, copyExample, type Batch } from "./batch.js";
import type { PuzzleDataset } from "./dataset.js";

/**
 * A batch for evaluation: only the first `realSize` rows are examples, the rest padding (pad_id inputs, ignored
 * labels, blank puzzle id); without `realSize` every row is real. {@link evalBatches} always sets both fields.
 */
export type EvalBatch = Batch & {
  readonly realSize?: number;
  /** Index of the first example of this batch in the split. */
  readonly offset?: number;
};

/**
 * Every example of `ds` once, in order, in batches of `batchSize`; the last batch is padded as the official test
 * loader does (inputs pad_id, labels -100, puzzle identifier blank_identifier_id). Each row carries its puzzle's
 * identifier.
 */
export function* evalBatches(ds: PuzzleDataset, batchSize: number): Generator<EvalBatch & { readonly realSize: number; readonly offset: number }> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evalBatches: batchSize must be a positive integer, got ${batchSize}`);
  const L = ds.metadata.seq_len;
  const n = ds.inputs.length / L;
  let puzzle = 0;
  for (let offset = 0; offset < n; offset += batchSize) {
    const realSize = Math.min(batchSize, n - offset);
    const inputs = new Int32Array(batchSize * L).fill(ds.metadata.pad_id);
    const labels = new Int32Array(batchSize * L).fill(IGNORE_LABEL);
    const puzzleIdentifiers = new Int32Array(batchSize).fill(ds.metadata.blank_identifier_id);
    for (let row = 0; row < realSize; row++) {
      const e = offset + row;
      while ((ds.puzzleIndices[puzzle + 1] ?? n) <= e) puzzle++;
      copyExample(ds, e, row, inputs, labels);
      puzzleIdentifiers[row] = ds.puzzleIdentifiers[puzzle] ?? 0;
    }
    yield { size: batchSize, seqLen: L, inputs, labels, puzzleIdentifiers, realSize, offset };
  }
}

/**
 * The first `maxRows` real rows of a stream of evaluation batches (all of them when `maxRows` is undefined): the batch
 * that crosses the limit gets a smaller `realSize`, so its remaining rows count as padding.
 */
export function* limitRows<T extends EvalBatch>(batches: Iterable<T>, maxRows: number | undefined): Generator<T & { readonly realSize: number }> {
  let left = maxRows ?? Number.POSITIVE_INFINITY;
  for (const batch of batches) {
    if (left <= 0) return;
    const valid = Math.min(batch.realSize ?? batch.size, batch.size, left);
    left -= valid;
    yield { ...batch, realSize: valid };
  }
}
