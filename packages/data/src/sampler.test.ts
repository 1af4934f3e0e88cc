import { describe, expect, it } from "vitest";
import { DatasetBuilder } from "./build.js";
import type { PuzzleDataset } from "./dataset.js";
import { evalBatches, limitRows } from "./eval-batches.js";
import { TrainSampler } from "./sampler.js";

/** G groups of P puzzles of E examples; example tokens encode (group, puzzle, example) so rows can be traced. */
function fixture(groups: number, puzzles: number, examples: number): PuzzleDataset {
  const b = new DatasetBuilder(3, 200);
  let id = 1;
  for (let g = 0; g < groups; g++) {
    for (let p = 0; p < puzzles; p++) {
      const exs = Array.from({ length: examples }, (_, e) => ({ input: Uint8Array.from([g, p, e]), label: Uint8Array.from([0, g + 1, e + 1]) }));
      b.addPuzzle(id++, exs);
    }
    b.endGroup();
  }
  return b.finish(id);
}

describe("TrainSampler", () => {
  it("visits every group once per epoch, fills whole batches, drops the partial one, maps label 0 to -100", () => {
    const ds = fixture(10, 3, 1);
    const s = new TrainSampler(ds, { batchSize: 4, seed: 1 });
    const seen: number[] = [];
    for (let k = 0; k < 2; k++) {
      const b = s.next();
      expect(b.size).toBe(4);
      expect(b.inputs.length).toBe(12);
      for (let r = 0; r < 4; r++) {
        seen.push(b.inputs[r * 3]!);
        expect(b.labels[r * 3]).toBe(-100);
        expect(b.labels[r * 3 + 1]).toBe(b.inputs[r * 3]! + 1);
        expect(b.puzzleIdentifiers[r]).toBe(1 + b.inputs[r * 3]! * 3 + b.inputs[r * 3 + 1]!);
      }
      expect(s.epoch).toBe(1);
    }
    expect(new Set(seen).size).toBe(8); // 8 distinct groups out of 10 in epoch 1
    s.next(); // 10 groups / 4 = 2 full batches; the 2 left are dropped and epoch 2 starts
    expect(s.epoch).toBe(2);
  });

  it("packs multi-example puzzles and cuts the last one to fit", () => {
    const ds = fixture(5, 1, 3);
    const b = new TrainSampler(ds, { batchSize: 4, seed: 3 }).next();
    const groups = Array.from({ length: 4 }, (_, r) => b.inputs[r * 3]);
    expect(groups[0]).toBe(groups[1]);
    expect(groups[1]).toBe(groups[2]);
    expect(groups[3]).not.toBe(groups[0]);
  });

  it("resumes exactly from a JSON round-tripped state", () => {
    const ds = fixture(7, 2, 2);
    const a = new TrainSampler(ds, { batchSize: 3, seed: 9 });
    for (let i = 0; i < 5; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state())) as ReturnType<TrainSampler["state"]>;
    const b = TrainSampler.restore(ds, { batchSize: 3, seed: 9 }, saved);
    for (let i = 0; i < 10; i++) {
      const x = a.next();
      const y = b.next();
      expect(Array.from(y.inputs)).toEqual(Array.from(x.inputs));
      expect(b.epoch).toBe(a.epoch);
    }
  });

  it("refuses a batch larger than an epoch", () => {
    expect(() => new TrainSampler(fixture(2, 1, 1), { batchSize: 5, seed: 1 }).next()).toThrow(/fewer than batchSize 5/);
  });
});

describe("evalBatches", () => {
  it("yields every example once in order and pads the last batch", () => {
    const ds = fixture(3, 2, 2); // 12 examples
    const batches = [...evalBatches(ds, 5)];
    expect(batches.map((b) => b.realSize)).toEqual([5, 5, 2]);
    expect(batches.map((b) => b.offset)).toEqual([0, 5, 10]);
    const last = batches[2]!;
    expect(Array.from(last.inputs.subarray(6))).toEqual(new Array<number>(9).fill(0));
    expect(Array.from(last.labels.subarray(6))).toEqual(new Array<number>(9).fill(-100));
    expect(Array.from(last.puzzleIdentifiers)).toEqual([6, 6, 0, 0, 0]);
    const rows = batches.flatMap((b) => Array.from({ length: b.realSize }, (_, r) => Array.from(b.inputs.subarray(r * 3, r * 3 + 3)).join(",")));
    expect(rows.length).toBe(12);
    expect(rows[0]).toBe("0,0,0");
    expect(rows[11]).toBe("2,1,1");
    expect(Array.from(batches[0]!.puzzleIdentifiers)).toEqual([1, 1, 2, 2, 3]);
  });

  it("limitRows keeps the first N real rows: the batch that crosses the limit gets a smaller realSize", () => {
    const batches = [...evalBatches(fixture(3, 2, 2), 5)];
    expect([...limitRows(batches, 7)].map((b) => b.realSize)).toEqual([5, 2]);
    expect([...limitRows(batches, undefined)].map((b) => b.realSize)).toEqual([5, 5, 2]);
    const { realSize: _all, ...plain } = batches[0]!;
    expect([...limitRows([plain], 9)].map((b) => b.realSize)).toEqual([5]);
  });
  it("restore names the field of a damaged state instead of failing inside the generator", () => {
    const ds = fixture(6, 1, 1);
    const s = new TrainSampler(ds, { batchSize: 2, seed: 1 });
    s.next();
    const good = s.state();
    const cases: [unknown, RegExp][] = [
      [null, /sampler state: expected an object/],
      [{ ...good, order: [...good.order.slice(1), 99] }, /field "order": expected each group 0\.\.5 once, got 99/],
      [{ ...good, order: good.order.map(() => 0) }, /field "order": expected each group 0\.\.5 once, got 0/],
      [{ ...good, order: good.order.slice(1) }, /field "order": expected a permutation of the 6 groups of the dataset, got 5 entries/],
      [{ ...good, cursor: 7 }, /field "cursor": expected at most 6, got 7/],
      [{ ...good, cursor: -1 }, /field "cursor": expected a non-negative integer/],
      [{ ...good, epoch: 1.5 }, /field "epoch"/],
      [{ ...good, rng: [1, 2, 3] }, /field "rng": expected 4 unsigned 32-bit integers/],
      [{ ...good, batchesThisEpoch: "x" }, /field "batchesThisEpoch"/],
    ];
    for (const [state, message] of cases) {
      expect(() => TrainSampler.restore(ds, { batchSize: 2, seed: 1 }, state as never), JSON.stringify(state)).toThrow(message);
    }
    // The state it wrote restores the same stream.
    const r = TrainSampler.restore(ds, { batchSize: 2, seed: 1 }, good);
    expect(Array.from(r.next().inputs)).toEqual(Array.from(s.next().inputs));
  });
});
