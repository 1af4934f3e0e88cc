import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIHEDRAL_IDS, dihedralTransform, inverseDihedralTransform } from "./dihedral.js";
import { gridsEqual } from "./grid.js";
import { MAZE_PATH, mazeToString, parseMazeCsv, validateMaze } from "./maze.js";
import { generateMaze } from "./maze-generator.js";

const q = ["#####", "#S  #", "# # #", "#  G#", "#####"].join("");
const a = ["#####", "#Soo#", "# #o#", "#  G#", "#####"].join("");

describe("Maze format", () => {
  it("parses the charset to ids 1-5 and validates the path", () => {
    const [p] = parseMazeCsv(`source,question,answer,rating\nx,${q},${a},4\n`, "m.csv");
    expect(p?.side).toBe(5);
    expect(Array.from(p!.question.cells.subarray(5, 10))).toEqual([1, 3, 2, 2, 1]);
    expect(Array.from(p!.answer.cells.subarray(5, 10))).toEqual([1, 3, 5, 5, 1]);
    expect(mazeToString(p!.answer)).toBe(a);
  });

  it("rejects a maze with no path, a non-square string and a changed wall", () => {
    const noPath = ["#####", "#So #", "# # #", "#  G#", "#####"].join("");
    expect(() => parseMazeCsv(`source,question,answer\nx,${q},${noPath}\n`, "m.csv")).toThrow(
      'm.csv, line 2: field "answer": expected o cells forming a path from S to G, got no such path',
    );
    expect(() => parseMazeCsv(`source,question,answer\nx,${q}#,${a}\n`, "m.csv")).toThrow(/field "question": expected a square number of characters/);
    const moved = a.replace("#Soo#", "#Sooo");
    expect(() => parseMazeCsv(`source,question,answer\nx,${q},${moved}\n`, "m.csv")).toThrow(/field "answer": expected the question's "#" at cell 9/);
    expect(() => parseMazeCsv(`source,question,answer\nx,${q.replace("G", " ")},${a}\n`, "m.csv")).toThrow(/expected exactly one goal G, got 0/);
  });
});

describe("Maze generator", () => {
  it("makes valid mazes whose marked path is a BFS shortest path of at least minPath steps, per seed", () => {
    const ms = generateMaze({ side: 15, count: 5, seed: 3, minPath: 20 });
    for (const m of ms) {
      validateMaze(m, { file: "gen", location: "-" });
      expect(m.pathLength).toBeGreaterThanOrEqual(20);
      expect(m.answer.cells.filter((v) => v === MAZE_PATH).length).toBe(m.pathLength - 1);
    }
    expect(generateMaze({ side: 15, count: 5, seed: 3, minPath: 20 }).map((m) => mazeToString(m.answer))).toEqual(ms.map((m) => mazeToString(m.answer)));
    expect(() => generateMaze({ side: 5, count: 1, seed: 1, minPath: 100 })).toThrow(/lower minPath/);
  });

  it("dihedral augmentations keep mazes valid and invert exactly (property)", () => {
    const ms = generateMaze({ side: 9, count: 4, seed: 9, minPath: 5 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.constantFrom(...DIHEDRAL_IDS), (k, t) => {
        const m = ms[k]!;
        const aug = { ...m, question: dihedralTransform(m.question, t), answer: dihedralTransform(m.answer, t) };
        validateMaze(aug, { file: "aug", location: `t${t}` });
        expect(gridsEqual(inverseDihedralTransform(aug.answer, t), m.answer)).toBe(true);
      }),
    );
  });
});
