import { describe, expect, it } from "vitest";
import { makeGrid } from "./grid.js";
import { unseenPuzzles } from "./held-out.js";

const p = (...cells: number[]) => ({ question: makeGrid(1, cells.length, cells), tag: cells.join("") });

describe("unseenPuzzles", () => {
  it("keeps candidates in order, skipping training questions and repeats", () => {
    const kept = unseenPuzzles([p(1, 0), p(0, 2)], [p(1, 0), p(2, 0), p(2, 0), p(0, 2), p(0, 1), p(1, 1)], 2);
    expect(kept.map((k) => k.tag)).toEqual(["20", "01"]);
  });

  it("tells how many were left when there are too few", () => {
    expect(() => unseenPuzzles([p(1)], [p(1), p(2)], 2)).toThrow(/only 1 of 2 candidates are unseen and distinct, 2 wanted/);
  });
});
