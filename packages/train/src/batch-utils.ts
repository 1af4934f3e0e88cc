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
