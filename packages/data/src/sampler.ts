import { copyExample, type Batch } from "./batch.js";
import type { PuzzleDataset } from "./dataset.js";
import { createRng, type Rng } from "./rng.js";

export interface TrainSamplerOptions {
  /** Examples per batch (the global batch size). */
  readonly batchSize: number;
  readonly seed: number;
}

/** Everything needed to resume a sampler exactly; plain JSON. */
export interface TrainSamplerState {
  readonly epoch: number;
  readonly cursor: number;
  readonly order: number[];
  readonly rng: number[];
  readonly batchesThisEpoch: number;
}

/**
 * Training batches with the official semantics (`puzzle_dataset.py`): an epoch visits every group once in a
 * shuffled order; for each group it picks one random puzzle (one augmented variant) and adds that puzzle's examples
 * (a random subset if fewer rows are left) until the batch is full. The last, partial batch of an epoch is dropped
 * and the next epoch starts; epochs go on forever. All randomness comes from one seeded PRNG, so `state()` /
 * `restore` resume the exact stream.
 */
export class TrainSampler {
  private readonly rng: Rng;
  private order: number[] = [];
  private cursor = 0;
  private epochCount = 0;

  constructor(
    private readonly ds: PuzzleDataset,
    private readonly options: TrainSamplerOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`TrainSampler: batchSize must be a positive integer, got ${options.batchSize}`);
    if (ds.groupIndices.length < 2) throw new RangeError("TrainSampler: the dataset has no groups");
    this.rng = createRng(options.seed);
  }

  /** Epochs started so far (1 during the first epoch). */
  get epoch(): number {
    return this.epochCount;
  }

  private startEpoch(): void {
    this.epochCount++;
    this.order = this.rng.permutation(this.ds.groupIndices.length - 1);
    this.cursor = 0;
  }

  next(): Batch {
    const { ds } = this;
    const B = this.options.batchSize;
    const L = ds.metadata.seq_len;
    for (;;) {
      if (this.epochCount === 0 || this.cursor >= this.order.length) this.startEpoch();
      const picks: { puzzle: number; example: number }[] = [];
      while (this.cursor < this.order.length && picks.length < B) {
        const g = this.order[this.cursor++] ?? 0;
        const puzzle = this.rng.int(ds.groupIndices[g] ?? 0, ds.groupIndices[g + 1] ?? 0);
        const start = ds.puzzleIndices[puzzle] ?? 0;
        const size = (ds.puzzleIndices[puzzle + 1] ?? 0) - start;
        const take = Math.min(size, B - picks.length);
        // A random subset of the puzzle's examples, in random order, without replacement.
        for (const k of this.rng.permutation(size).slice(0, take)) picks.push({ puzzle, example: start + k });
      }
      if (picks.length === B) {
        this.batchesThisEpoch++;
        const inputs = new Int32Array(B * L);
        const labels = new Int32Array(B * L);
        const puzzleIdentifiers = new Int32Array(B);
        picks.forEach(({ puzzle, example }, row) => {
          copyExample(ds, example, row, inputs, labels);
          puzzleIdentifiers[row] = ds.puzzleIdentifiers[puzzle] ?? 0;
        });
        return { size: B, seqLen: L, inputs, labels, puzzleIdentifiers };
      }
      // Partial batch at the end of an epoch: dropped, as the official loader does.
      if (this.batchesThisEpoch === 0) {
        throw new RangeError(`TrainSampler: an epoch yields fewer than batchSize ${B} examples (${picks.length}); use a smaller batch`);
      }
      this.batchesThisEpoch = 0;
    }
  }

  private batchesThisEpoch = 0;

  state(): TrainSamplerState {
    return { epoch: this.epochCount, cursor: this.cursor, order: [...this.order], rng: this.rng.state(), batchesThisEpoch: this.batchesThisEpoch };
  }

  static restore(ds: PuzzleDataset, options: TrainSamplerOptions, state: TrainSamplerState): TrainSampler {
    const s = new TrainSampler(ds, options);
    const problem = samplerStateProblem(state, ds.groupIndices.length - 1);
    if (problem !== null) throw new RangeError(`sampler state: ${problem}`);
    s.epochCount = state.epoch;
    s.cursor = state.cursor;
    s.order = [...state.order];
    s.rng.setState(state.rng);
    s.batchesThisEpoch = state.batchesThisEpoch;
    return s;
  }
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Why `state` cannot be a {@link TrainSamplerState} of a dataset of `groups` groups (a field named), or null. */
export function samplerStateProblem(state: unknown, groups: number): string | null {
  if (typeof state !== "object" || state === null || Array.isArray(state)) return `expected an object {epoch, cursor, order, rng, batchesThisEpoch}, got ${JSON.stringify(state)}`;
  const st = state as Record<string, unknown>;
  for (const k of ["epoch", "cursor", "batchesThisEpoch"]) {
    if (!isCount(st[k])) return `field "${k}": expected a non-negative integer, got ${JSON.stringify(st[k])}`;
  }
  const { order, rng } = st;
  const want = st.epoch === 0 ? 0 : groups;
  if (!Array.isArray(order) || order.length !== want) {
    return `field "order": expected ${want === 0 ? "an empty list before the first epoch" : `a permutation of the ${groups} groups of the dataset`}, got ${Array.isArray(order) ? `${order.length} entries` : JSON.stringify(order)}`;
  }
  const seen = new Uint8Array(want);
  for (const g of order) {
    if (!isCount(g) || g >= want || seen[g]) return `field "order": expected each group 0..${want - 1} once, got ${JSON.stringify(g)}`;
    seen[g] = 1;
  }
  if ((st.cursor as number) > order.length) return `field "cursor": expected at most ${order.length}, got ${JSON.stringify(st.cursor)}`;
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => isCount(w) && w <= 0xffffffff)) {
    return `field "rng": expected 4 unsigned 32-bit integers, got ${JSON.stringify(rng)}`;
  }
  return null;
}
