// Property-based fuzzing of every parser of @trm/data: whatever the bytes, a parser either returns a value or throws
// a DataError naming the file; never a raw engine error (TypeError, RangeError from a typed array, stack overflow).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseArcTask } from "./arc.js";
import { parseCsv } from "./csv.js";
import { arcTask } from "./arc-task.js";
import { parseMetadata, validateSplits, type PuzzleDataset } from "./dataset.js";
import { DataError } from "./errors.js";
import { parseGenerateSpec } from "./generate-spec.js";
import { parseMazeCsv } from "./maze.js";
import { mazeTask } from "./maze-task.js";
import { decodeNpy, encodeNpy } from "./npy.js";
import { parseSudokuCsv, parseSudokuPuzzleList } from "./sudoku.js";
import { sudokuTask } from "./sudoku-task.js";
import { loadArcKaggle, nodeFiles, readDataset, writeDataset } from "./node.js";

const RUNS = { numRuns: 200 };
const RAW_ENGINE_TEXT = /Cannot read properties|is not a function|Invalid typed array length|Maximum call stack|undefined|is not iterable|out of bounds/;

/** Runs `f`; a thrown error must be a DataError naming `file` and free of raw engine text. */
function named(file: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`not a DataError: ${String(e)}`, { cause: e });
    expect(e.message).toContain(file);
    expect(e.message).not.toMatch(RAW_ENGINE_TEXT);
  }
}

/** Any JSON value, including deeply nested arrays and null where objects are expected. */
const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.integer({ min: 1, max: 20000 }).map((d) => JSON.parse("[".repeat(d) + "]".repeat(d)) as unknown),
  fc.constant(null),
);

const shallow = fc.oneof(fc.jsonValue(), fc.constant(null), fc.record({ train: fc.jsonValue(), test: fc.jsonValue() }));

const A4 = "1234341221434321";
const Q4 = "1.3.3.1.2.4.4.2.";
const sudokuRow = fc.record({
  question: fc.oneof(fc.constant(Q4), fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9.]{16}$/)),
  answer: fc.oneof(fc.constant(A4), fc.stringMatching(/^[0-9]{16}$/), fc.string({ maxLength: 20 })),
  rating: fc.oneof(fc.constant(""), fc.constant("3"), fc.string({ maxLength: 4 })),
});

describe("parsers never leak engine errors (fuzz)", () => {
  it("CSV: arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => named("f.csv", () => parseCsv(text, "f.csv", ["question", "answer"]))), RUNS);
  });

  it("Sudoku CSV: rows of valid, near-valid and random boards", () => {
    fc.assert(
      fc.property(fc.array(sudokuRow, { maxLength: 4 }), fc.boolean(), (rows, quoted) => {
        const q = (s: string) => (quoted ? `"${s.replaceAll('"', '""')}"` : s.replaceAll(/[,\n\r"]/g, ""));
        const text = `source,question,answer,rating\n${rows.map((r) => `x,${q(r.question)},${q(r.answer)},${q(r.rating)}`).join("\n")}\n`;
        named("s.csv", () => parseSudokuCsv(text, "s.csv"));
      }),
      RUNS,
    );
  });

  it("Sudoku puzzle lists: arbitrary lines", () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(Q4), fc.stringMatching(/^[0-9.]{0,17}$/)), { maxLength: 3 }), (lines) => named("p.txt", () => parseSudokuPuzzleList(lines.join("\n"), "p.txt"))), RUNS);
  });

  it("Maze CSV: arbitrary boards", () => {
    const board = fc.oneof(fc.constant("#S #  #G#"), fc.stringMatching(/^[# SGo]{0,10}$/), fc.string({ maxLength: 10 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(board, board), { maxLength: 3 }), (rows) => {
        const text = `source,question,answer\n${rows.map(([a, b]) => `x,${a.replaceAll(/[,\n\r"]/g, "")},${b.replaceAll(/[,\n\r"]/g, "")}`).join("\n")}\n`;
        named("m.csv", () => parseMazeCsv(text, "m.csv"));
      }),
      RUNS,
    );
  });

  it("ARC task JSON: arbitrary values and mutated tasks", () => {
    const grid = fc.oneof(fc.array(fc.array(fc.integer({ min: -1, max: 10 }), { maxLength: 3 }), { maxLength: 3 }), anyJson);
    const pair = fc.oneof(fc.record({ input: grid, output: grid }), anyJson);
    const task = fc.oneof(fc.record({ train: fc.oneof(fc.array(pair, { maxLength: 3 }), anyJson), test: fc.oneof(fc.array(pair, { maxLength: 2 }), anyJson) }), anyJson);
    fc.assert(fc.property(task, (raw) => named("t.json", () => parseArcTask(raw, "t.json", "t", "training"))), RUNS);
  });

  it("ARC Kaggle pair: arbitrary challenges and solutions", () => {
    const dir = mkdtempSync(join(tmpdir(), "fuzz-kaggle-"));
    let k = 0;
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), shallow, { maxKeys: 3 }), shallow, fc.nat({ max: 20000 }), (challenges, solutions, depth) => {
        const prefix = join(dir, `p${k++}`);
        const deep = "[".repeat(depth) + "]".repeat(depth);
        writeFileSync(`${prefix}_x_challenges.json`, depth > 10000 ? `{"a": ${deep}}` : JSON.stringify(challenges));
        writeFileSync(`${prefix}_x_solutions.json`, depth > 15000 ? deep : JSON.stringify(solutions));
        named(prefix, () => loadArcKaggle(`${prefix}_x_challenges.json`));
      }),
      { numRuns: 100 },
    );
  });

  it("NPY: random bytes, and valid files with a corrupted header or body", () => {
    const valid = encodeNpy(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => named("a.npy", () => decodeNpy(bytes, "a.npy"))), RUNS);
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 }), fc.nat({ max: valid.length }), (at, value, cut) => {
        const b = valid.slice(0, cut === valid.length ? undefined : Math.max(cut, at + 1));
        b[at] = value;
        named("b.npy", () => decodeNpy(b, "b.npy"));
      }),
      RUNS,
    );
  });

  it("NPY: huge shapes are refused before anything is allocated", () => {
    const header = (shape: string) => {
      const dict = `{'descr': '<i4', 'fortran_order': False, 'shape': (${shape}), }`.padEnd(118) + "\n";
      const out = new Uint8Array(10 + dict.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length, 0]);
      for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
      return out;
    };
    for (const shape of ["4294967296, 4294967296", "1e300,", "99999999999999999999,"]) {
      expect(() => decodeNpy(header(shape), "h.npy")).toThrow(DataError);
    }
  });

  it("dataset.json: arbitrary field values", () => {
    const base = { pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 6, seq_len: 4, num_puzzle_identifiers: 1, total_groups: 1, mean_puzzle_examples: 1, total_puzzles: 1, sets: ["all"] };
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom(-1, 1e308, 2 ** 40, 20_000_000, 0.5, "../x", ["../../x/all"], null));
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base)), value, (key, v) => named("d.json", () => parseMetadata({ ...base, [key]: v }, "d.json"))),
      RUNS,
    );
    fc.assert(fc.property(anyJson, (raw) => named("d.json", () => parseMetadata(raw, "d.json"))), RUNS);
  });

  it("generator specs: arbitrary text gives an Error with the spec, never a hang", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (spec) => {
        try {
          parseGenerateSpec(spec);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toContain("generator spec");
        }
      }),
      RUNS,
    );
  });
});

describe("readDataset: a split on disk is checked against its dataset.json", () => {
  function tiny(): PuzzleDataset {
    return {
      metadata: { pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 6, seq_len: 4, num_puzzle_identifiers: 1, total_groups: 2, mean_puzzle_examples: 1.5, total_puzzles: 2, sets: ["all"] },
      inputs: Uint8Array.from([1, 2, 3, 4, 5, 4, 3, 2, 1, 1, 1, 1]),
      labels: Uint8Array.from([1, 2, 3, 4, 5, 4, 3, 2, 1, 1, 1, 1]),
      puzzleIdentifiers: Int32Array.from([0, 0]),
      puzzleIndices: Int32Array.from([0, 2, 3]),
      groupIndices: Int32Array.from([0, 1, 2]),
    };
  }
  const withMeta = (patch: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), "ds-bad-"));
    writeDataset(dir, "train", tiny());
    const meta = { ...tiny().metadata, ...patch };
    writeFileSync(join(dir, "train", "dataset.json"), JSON.stringify(meta));
    return dir;
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a set outside the folder", { sets: ["../../x/all"] }, /field "sets": expected a plain set name/],
    ["total_puzzles against the arrays", { total_puzzles: 5 }, /field "total_puzzles": expected 2 \(from puzzle_identifiers\), got 5/],
    ["a huge mean_puzzle_examples", { mean_puzzle_examples: 1e308 }, /field "mean_puzzle_examples": expected 1.5 \(3 examples \/ 2 puzzles\)/],
    ["a negative mean_puzzle_examples", { mean_puzzle_examples: -1 }, /field "mean_puzzle_examples": expected a finite number >= 0/],
    ["pad_id outside the vocabulary", { pad_id: 9 }, /field "pad_id": expected a token id below vocab_size 6, got 9/],
    ["blank_identifier_id outside the identifiers", { blank_identifier_id: 3 }, /field "blank_identifier_id": expected an identifier below num_puzzle_identifiers 1/],
    ["a vocabulary above the limit", { vocab_size: 20_000_000 }, /field "vocab_size": expected an integer from 1 to 65536 \(the vocabulary limit\), got 20000000/],
    ["a sequence length above the limit", { seq_len: 1e9 }, /field "seq_len": expected an integer from 1 to 65536/],
  ];
  for (const [what, patch, message] of cases) {
    it(`names ${what}`, () => {
      const dir = withMeta(patch);
      expect(() => readDataset(dir, "train")).toThrow(message);
      expect(() => readDataset(dir, "train")).toThrow(join(dir, "train"));
    });
  }

  it("still reads a one-puzzle split", () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-one-"));
    mkdirSync(join(dir, "train"));
    const one: PuzzleDataset = { ...tiny(), metadata: { ...tiny().metadata, total_groups: 1, total_puzzles: 1, mean_puzzle_examples: 1 }, inputs: tiny().inputs.slice(0, 4), labels: tiny().labels.slice(0, 4), puzzleIdentifiers: Int32Array.from([0]), puzzleIndices: Int32Array.from([0, 1]), groupIndices: Int32Array.from([0, 1]) };
    writeDataset(dir, "train", one);
    expect(readDataset(dir, "train").metadata.total_puzzles).toBe(1);
  });
});

describe("sources, generators and layouts give named errors", () => {
  it("a Maze folder means its CSV files, like a Sudoku folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "maze-dir-"));
    writeFileSync(join(dir, "train.csv"), "source,question,answer\nx,#S #  #G#,#So#oo#G#\n");
    expect(mazeTask.load([dir], nodeFiles)).toHaveLength(1);
    expect(() => mazeTask.load([mkdtempSync(join(tmpdir(), "maze-empty-"))], nodeFiles)).toThrow(/expected a folder holding \.csv files, got none/);
  });

  it("generator counts and minClues are bounded, naming the value and the limit", () => {
    expect(() => sudokuTask.generate?.({ size: "4", train: "1e9" }, 0)).toThrow("sudoku generator: train=1e9 is above the limit of 1000000");
    expect(() => mazeTask.generate?.({ side: "100000", train: "1" }, 0)).toThrow("maze generator: side=100000 is above the limit of 256");
    expect(() => sudokuTask.generate?.({ size: "4", train: "1", minClues: "17" }, 0)).toThrow("minClues=17 leaves no blank on a 4x4 board; expected at most 15");
  });

  it("a long generation reports progress", () => {
    const seen: number[] = [];
    sudokuTask.generate?.({ size: "4", train: "600" }, 0, (_split, done) => seen.push(done));
    expect(seen).toEqual([500, 600]);
  });

  it("each task recognises its own layout and names another's", () => {
    expect(sudokuTask.layoutProblem?.({ vocab_size: 6, seq_len: 16 })).toBeUndefined();
    expect(mazeTask.layoutProblem?.({ vocab_size: 6, seq_len: 900 })).toBeUndefined();
    expect(arcTask.layoutProblem?.({ vocab_size: 12, seq_len: 900 })).toBeUndefined();
    expect(mazeTask.layoutProblem?.({ vocab_size: 11, seq_len: 81 })).toMatch(/maze data has vocab_size 6/);
    expect(sudokuTask.layoutProblem?.({ vocab_size: 6, seq_len: 900 })).toMatch(/seq_len 16, 36 or 81/);
    expect(arcTask.layoutProblem?.({ vocab_size: 11, seq_len: 81 })).toMatch(/ARC data has vocab_size 12 and seq_len 900/);
  });

  it("train and test splits must agree on the model's inputs", () => {
    const ds = (vocab: number): PuzzleDataset => ({
      metadata: { pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: vocab, seq_len: 1, num_puzzle_identifiers: 1, total_groups: 0, mean_puzzle_examples: 0, total_puzzles: 0, sets: ["all"] },
      inputs: new Uint8Array(0),
      labels: new Uint8Array(0),
      puzzleIdentifiers: new Int32Array(0),
      puzzleIndices: Int32Array.from([0]),
      groupIndices: Int32Array.from([0]),
    });
    expect(() => validateSplits(ds(6), ds(6), "d")).not.toThrow();
    expect(() => validateSplits(ds(6), ds(7), "d")).toThrow('d/test/dataset.json: field "vocab_size": expected 6 like d/train/dataset.json, got 7');
  });
});
