import type { Batch } from "@trm/core";

/** Rows [start, start + rows) of a batch, copied so that a carry holding it never sees the sampler reuse a buffer. */
export function sliceBatch(batch: Batch, start: number, rows: number): Batch {
  const L = batch.seqLen;
  if (start < 0 || rows < 1 || start + rows > batch.size) {
    throw new RangeError(`sliceBatch: rows [${start}, ${start + rows}) are outside a batch of ${batch.size}.`);
  }
  return {
    size: rows,
    seqLen: L,
    inputs: batch.inputs.slice(start * L, (start + rows) * L),
    labels: batch.labels.slice(start * L, (start + rows) * L),
    puzzleIdentifiers: batch.puzzleIdentifiers.slice(start, start + rows),
  };
}

/** A batch whose rows from `realSize` on are padding. */
export type MaybePaddedBatch = Batch & { readonly realSize?: number };

/**
 * The first `maxRows` real rows of a stream of evaluation batches: the batch that crosses the limit is marked with
 * `realSize` so its remaining rows count as padding. Useful to evaluate on a slice of a large test set.
 */
export function* limitRows<T extends MaybePaddedBatch>(batches: Iterable<T>, maxRows: number | undefined): Generator<T & { readonly realSize: number }> {
  let left = maxRows ?? Number.POSITIVE_INFINITY;
  for (const batch of batches) {
    if (left <= 0) return;
    const valid = Math.min(batch.realSize ?? batch.size, batch.size, left);
    left -= valid;
    yield { ...batch, realSize: valid };
  }
}
