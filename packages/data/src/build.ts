import { Sha256, sha256Hex } from "./sha256.js";
import { DataError } from "./errors.js";
import { type DatasetMetadata, type PuzzleDataset, type Split, type TokenArray } from "./dataset.js";
import { createRng, type Rng } from "./rng.js";
import type { Task, TaskExample, TaskItem } from "./task.js";

export interface BuildOptions {
  /** Augmented variants per original (N): each group holds 1 + N puzzles (fewer if `dedupe` finds duplicates). */
  readonly augmentations?: number;
  /** Seed of every random choice of the build (augmentations, translation, subsampling). Default 42, as the ARC builder. */
  readonly seed?: number;
  /** Called as groups are built, for progress output. */
  readonly onProgress?: (split: Split, doneGroups: number, totalGroups: number) => void;
}

/** A built dataset: both splits, the identifier names and the task's side files. */
export interface BuiltDataset {
  readonly train: PuzzleDataset;
  readonly test: PuzzleDataset;
  /** Puzzle names by identifier; `"<blank>"` at 0. */
  readonly identifiers: string[];
  /** File name -> JSON value, written beside `identifiers.json`. */
  readonly extraFiles: Record<string, unknown>;
}

/** Accumulates groups -> puzzles -> examples into the official arrays. */
export class DatasetBuilder {
  private readonly inputs: TokenArray[] = [];
  private readonly labels: TokenArray[] = [];
  private readonly puzzleIdentifiers: number[] = [];
  private readonly puzzleIndices: number[] = [0];
  private readonly groupIndices: number[] = [0];
  private openPuzzles = 0;

  constructor(
    readonly seqLen: number,
    readonly vocabSize: number,
  ) {}

  /** Adds one puzzle (one augmented variant) with its examples to the current group. */
  addPuzzle(identifier: number, examples: readonly { input: TokenArray; label: TokenArray }[]): void {
    for (const { input, label } of examples) {
      if (input.length !== this.seqLen || label.length !== this.seqLen) {
        throw new RangeError(`DatasetBuilder: examples must have ${this.seqLen} tokens, got ${input.length} and ${label.length}`);
      }
      this.inputs.push(input);
      this.labels.push(label);
    }
    this.puzzleIndices.push(this.inputs.length);
    this.puzzleIdentifiers.push(identifier);
    this.openPuzzles++;
  }

  /** Closes the current group (no-op if it is empty). */
  endGroup(): void {
    if (this.openPuzzles === 0) return;
    this.groupIndices.push(this.puzzleIdentifiers.length);
    this.openPuzzles = 0;
  }

  finish(numPuzzleIdentifiers: number, task?: string): PuzzleDataset {
    this.endGroup();
    const wide = this.vocabSize > 256;
    const concat = (parts: TokenArray[]): TokenArray => {
      const out = wide ? new Int32Array(parts.length * this.seqLen) : new Uint8Array(parts.length * this.seqLen);
      parts.forEach((p, i) => out.set(p, i * this.seqLen));
      return out;
    };
    const puzzles = this.puzzleIdentifiers.length;
    const metadata: DatasetMetadata = {
      pad_id: 0,
      ignore_label_id: 0,
      blank_identifier_id: 0,
      vocab_size: this.vocabSize,
      seq_len: this.seqLen,
      num_puzzle_identifiers: numPuzzleIdentifiers,
      total_groups: this.groupIndices.length - 1,
      mean_puzzle_examples: puzzles === 0 ? 0 : this.inputs.length / puzzles,
      total_puzzles: puzzles,
      sets: ["all"],
      ...(task === undefined ? {} : { task }),
    };
    return {
      metadata,
      inputs: concat(this.inputs),
      labels: concat(this.labels),
      puzzleIdentifiers: Int32Array.from(this.puzzleIdentifiers),
      puzzleIndices: Int32Array.from(this.puzzleIndices),
      groupIndices: Int32Array.from(this.groupIndices),
    };
  }
}

interface Variant<B> {
  readonly name: string;
  readonly train: readonly TaskExample<B>[];
  readonly test: readonly TaskExample<B>[];
}

function variantHash<B>(task: Task<B, unknown>, v: { train: readonly TaskExample<B>[]; test: readonly TaskExample<B>[] }): string {
  const parts = [...v.train, ...v.test].map((ex) => {
    return new Sha256().update(task.encode(ex.question)).update("|").update(task.encode(ex.answer)).hex();
  });
  parts.sort();
  return sha256Hex(parts.join("|"));
}

/** The original plus up to N augmented variants of one item, deduplicated if the task asks for it. */
function variantsOf<B, A>(task: Task<B, A>, item: TaskItem<B>, count: number, rng: Rng): Variant<B>[] {
  const out: Variant<B>[] = [{ name: item.id, train: item.train, test: item.test }];
  const aug = task.augmentation;
  if (!aug || count <= 0) return out;
  const seen = new Set(task.dedupe ? [variantHash(task, item)] : []);
  const tries = task.dedupe ? 5 * count : count;
  for (let t = 0; t < tries && out.length < count + 1; t++) {
    const a = aug.random(item, rng, out.length);
    const map = (exs: readonly TaskExample<B>[]): TaskExample<B>[] => exs.map((e) => ({ question: aug.apply(e.question, a), answer: aug.apply(e.answer, a) }));
    const v = { name: `${item.id}_${aug.name(a)}`, train: map(item.train), test: map(item.test) };
    if (task.dedupe) {
      const h = variantHash(task, v);
      if (seen.has(h)) continue;
      seen.add(h);
    }
    out.push(v);
  }
  return out;
}

/** Checks that every board of the build has one seqLen and one vocabulary; returns them. */
function layoutOf<B>(task: Task<B, unknown>, items: readonly TaskItem<B>[]): { seqLen: number; vocabSize: number } {
  let layout: { seqLen: number; vocabSize: number; from: string } | undefined;
  for (const item of items) {
    for (const ex of [...item.train, ...item.test]) {
      const here = { seqLen: task.seqLen(ex.question), vocabSize: task.vocabulary(ex.question).length, from: item.id };
      layout ??= here;
      if (here.seqLen !== layout.seqLen || here.vocabSize !== layout.vocabSize) {
        throw new DataError({
          file: task.name,
          location: `item ${item.id}`,
          field: "board",
          expected: `seqLen ${layout.seqLen} and vocab ${layout.vocabSize} like item ${layout.from} (one layout per dataset)`,
          got: `seqLen ${here.seqLen}, vocab ${here.vocabSize}`,
        });
      }
    }
  }
  if (!layout) throw new DataError({ file: task.name, field: "items", expected: "at least one example", got: "none" });
  return layout;
}

/**
 * Builds both splits in the official layout from a task's items: each item is a group of its original plus its
 * augmented variants (in the splits the task augments), each variant one puzzle with its examples. Identifiers are
 * all 0 for `blank` tasks, or one per variant name (train order first, then test) for `per-variant` tasks.
 */
export function buildDataset<B, A>(task: Task<B, A>, items: readonly TaskItem<B>[], options: BuildOptions = {}): BuiltDataset {
  const count = options.augmentations ?? 0;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`buildDataset: augmentations must be a non-negative integer, got ${count}`);
  if (count > 0 && !task.augmentation) throw new RangeError(`buildDataset: task "${task.name}" has no augmentations`);
  const rng = createRng(options.seed ?? 42);
  const { seqLen, vocabSize } = layoutOf(task, items);

  // Variants are drawn once per item, so an item's train and test puzzles share names (and identifiers).
  const groups = items.map((item) => variantsOf(task, item, count, rng));
  const identifierOf = new Map<string, number>();
  const identifiers = ["<blank>"];
  if (task.puzzleIdentifiers === "per-variant") {
    for (const split of ["train", "test"] as const) {
      groups.forEach((g, k) => {
        const vs = task.augmentSplits.includes(split) ? g : g.slice(0, 1);
        for (const v of vs) {
          if ((split === "train" ? items[k]?.train : items[k]?.test)?.length && !identifierOf.has(v.name)) {
            identifierOf.set(v.name, identifiers.length);
            identifiers.push(v.name);
          }
        }
      });
    }
  }

  const buildSplit = (split: Split): PuzzleDataset => {
    const b = new DatasetBuilder(seqLen, vocabSize);
    const withExamples = groups.filter((g) => (g[0]?.[split].length ?? 0) > 0);
    withExamples.forEach((group, done) => {
      const vs = task.augmentSplits.includes(split) ? group : group.slice(0, 1);
      for (const v of vs) {
        const exs = v[split];
        const keep = task.encodeExample && split === "train" ? rng.int(0, exs.length) : -1;
        const encoded = exs.map((ex, i) =>
          task.encodeExample
            ? task.encodeExample(ex, { split, rng, keepOrigin: i === keep })
            : { input: task.encode(ex.question), label: task.encode(ex.answer) },
        );
        b.addPuzzle(identifierOf.get(v.name) ?? 0, encoded);
      }
      b.endGroup();
      if (options.onProgress && ((done + 1) % 100 === 0 || done + 1 === withExamples.length)) options.onProgress(split, done + 1, withExamples.length);
    });
    return b.finish(identifiers.length, task.name);
  };
  const extraFiles = task.extraFiles ? task.extraFiles(items) : {};
  return { train: buildSplit("train"), test: buildSplit("test"), identifiers, extraFiles };
}

/** Keeps `count` train items drawn at random (seeded), test items untouched, in their original order. */
export function subsampleItems<B>(items: readonly TaskItem<B>[], count: number, seed: number): TaskItem<B>[] {
  const trainIdx = items.flatMap((it, i) => (it.train.length > 0 && it.test.length === 0 ? [i] : []));
  if (count >= trainIdx.length) return [...items];
  const keep = new Set(createRng(seed).shuffle(trainIdx).slice(0, count));
  return items.filter((it, i) => !(it.train.length > 0 && it.test.length === 0) || keep.has(i));
}

/**
 * Moves `count` train-only items (drawn at random, seeded) to the test split: for sources that come without a test
 * file. Returns the items with those moved.
 */
export function holdOutItems<B>(items: readonly TaskItem<B>[], count: number, seed: number): TaskItem<B>[] {
  const trainIdx = items.flatMap((it, i) => (it.train.length > 0 && it.test.length === 0 ? [i] : []));
  if (count >= trainIdx.length) {
    throw new RangeError(
      trainIdx.length === 0
        ? "no train puzzles to hold out for the test split: the sources hold no puzzles"
        : `cannot hold out ${count} of ${trainIdx.length} train puzzles for the test split: at least one must stay in train`,
    );
  }
  const moved = new Set(createRng(seed ^ 0x5bd1e995).shuffle(trainIdx).slice(0, count));
  return items.map((it, i) => (moved.has(i) ? { id: it.id, train: [], test: it.train } : it));
}
