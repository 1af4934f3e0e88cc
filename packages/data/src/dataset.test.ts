import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PuzzleDataset } from "./dataset.js";
import { encodeNpy } from "./npy.js";
import { readDataset, readIdentifiers, writeDataset, writeIdentifiers } from "./node.js";

function tiny(): PuzzleDataset {
  return {
    metadata: {
      pad_id: 0,
      ignore_label_id: 0,
      blank_identifier_id: 0,
      vocab_size: 6,
      seq_len: 4,
      num_puzzle_identifiers: 3,
      total_groups: 2,
      mean_puzzle_examples: 1,
      total_puzzles: 3,
      sets: ["all"],
    },
    inputs: Uint8Array.from([1, 2, 3, 4, 5, 4, 3, 2, 1, 1, 1, 1]),
    labels: Uint8Array.from([0, 2, 3, 4, 5, 4, 3, 2, 1, 1, 1, 0]),
    puzzleIdentifiers: Int32Array.from([1, 2, 0]),
    puzzleIndices: Int32Array.from([0, 1, 2, 3]),
    groupIndices: Int32Array.from([0, 2, 3]),
  };
}

/** An int64 NPY, as numpy writes an array that went through an int64 lookup table. */
function int64Npy(values: number[], shape: number[]): Uint8Array {
  const i32 = encodeNpy(Int32Array.from(values), shape);
  const text = new TextDecoder("latin1").decode(i32.subarray(10, 10 + (i32[8]! | (i32[9]! << 8)))).replace("<i4", "<i8");
  const header = new Uint8Array(10 + text.length);
  header.set(i32.subarray(0, 10));
  for (let i = 0; i < text.length; i++) header[10 + i] = text.charCodeAt(i);
  const data = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(data.buffer).setBigInt64(i * 8, BigInt(v), true));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

describe("dataset layout", () => {
  it("writes and reads back every array and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-"));
    writeDataset(dir, "train", tiny());
    writeIdentifiers(dir, ["<blank>", "a", "b"]);
    const back = readDataset(dir, "train");
    expect(back).toEqual(tiny());
    expect(readIdentifiers(dir)).toEqual(["<blank>", "a", "b"]);
    expect(JSON.parse(readFileSync(join(dir, "train/dataset.json"), "utf8"))).toEqual(tiny().metadata);
  });

  it("loads an official-style build: int64 tokens (augmented Sudoku) and HRM metadata without total_puzzles", () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-official-"));
    const split = join(dir, "train");
    mkdirSync(split, { recursive: true });
    const meta = { pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 11, seq_len: 2, num_puzzle_identifiers: 1, total_groups: 1, mean_puzzle_examples: 1, sets: ["all"] };
    writeFileSync(join(split, "dataset.json"), JSON.stringify(meta));
    writeFileSync(join(split, "all__inputs.npy"), int64Npy([1, 2, 3, 4], [2, 2]));
    writeFileSync(join(split, "all__labels.npy"), int64Npy([5, 6, 7, 10], [2, 2]));
    writeFileSync(join(split, "all__puzzle_identifiers.npy"), encodeNpy(Int32Array.from([0, 0]), [2]));
    writeFileSync(join(split, "all__puzzle_indices.npy"), encodeNpy(Int32Array.from([0, 1, 2]), [3]));
    writeFileSync(join(split, "all__group_indices.npy"), encodeNpy(Int32Array.from([0, 2]), [2]));
    const ds = readDataset(dir, "train");
    expect(ds.metadata.total_puzzles).toBe(2);
    expect(Array.from(ds.labels)).toEqual([5, 6, 7, 10]);
  });

  it("refuses a truncated array and arrays that disagree with the metadata", () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-bad-"));
    writeDataset(dir, "test", tiny());
    const f = join(dir, "test/all__inputs.npy");
    const bytes = readFileSync(f);
    writeFileSync(f, bytes.subarray(0, bytes.length - 3));
    expect(() => readDataset(dir, "test")).toThrow(/all__inputs\.npy: field "data": expected 12 bytes .* got 9 bytes \(truncated\)/);
    writeFileSync(f, bytes);
    const bad = tiny();
    bad.groupIndices = Int32Array.from([0, 2, 2]);
    expect(() => writeDataset(dir, "test", bad)).toThrow(/field "group_indices": expected the last offset to be 3, got 2/);
    const tooBig = tiny();
    tooBig.inputs = Uint8Array.from([1, 2, 3, 4, 5, 4, 3, 2, 1, 1, 1, 6]);
    expect(() => writeDataset(dir, "test", tooBig)).toThrow(/field "inputs\[2\]\[3\]": expected a token id below vocab_size 6, got 6/);
    expect(() => readDataset(join(dir, "nope"), "train")).toThrow(/dataset\.json: field "file": expected an existing file/);
  });
});
