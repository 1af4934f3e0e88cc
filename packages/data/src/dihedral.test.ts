import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIHEDRAL_IDS, DIHEDRAL_INVERSE, dihedralTransform, inverseDihedralTransform, type DihedralId } from "./dihedral.js";
import { gridFromRows, gridToRows, gridsEqual, makeGrid } from "./grid.js";

const A = gridFromRows([
  [1, 2, 3],
  [4, 5, 6],
]);

describe("dihedral transforms (numpy semantics of dataset/common.py)", () => {
  it("match np.rot90 / fliplr / flipud / .T on a 2x3 grid", () => {
    const expected: Record<DihedralId, number[][]> = {
      0: [[1, 2, 3], [4, 5, 6]],
      1: [[3, 6], [2, 5], [1, 4]], // np.rot90(A)
      2: [[6, 5, 4], [3, 2, 1]], // np.rot90(A, 2)
      3: [[4, 1], [5, 2], [6, 3]], // np.rot90(A, 3)
      4: [[3, 2, 1], [6, 5, 4]], // np.fliplr(A)
      5: [[4, 5, 6], [1, 2, 3]], // np.flipud(A)
      6: [[1, 4], [2, 5], [3, 6]], // A.T
      7: [[6, 3], [5, 2], [4, 1]], // np.fliplr(np.rot90(A))
    };
    for (const t of DIHEDRAL_IDS) expect(gridToRows(dihedralTransform(A, t))).toEqual(expected[t]);
  });

  it("rot90 composes: (1)(1) = 2, (1)(2) = 3; inverse table is [0,3,2,1,4,5,6,7]", () => {
    expect(DIHEDRAL_INVERSE).toEqual([0, 3, 2, 1, 4, 5, 6, 7]);
    expect(gridsEqual(dihedralTransform(dihedralTransform(A, 1), 1), dihedralTransform(A, 2))).toBe(true);
    expect(gridsEqual(dihedralTransform(dihedralTransform(A, 2), 1), dihedralTransform(A, 3))).toBe(true);
  });

  it("every transform is inverted exactly on any rectangular grid (property)", () => {
    const grid = fc
      .record({ rows: fc.integer({ min: 1, max: 7 }), cols: fc.integer({ min: 1, max: 7 }) })
      .chain(({ rows, cols }) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: rows * cols, maxLength: rows * cols }).map((cells) => makeGrid(rows, cols, cells)));
    fc.assert(
      fc.property(grid, fc.constantFrom(...DIHEDRAL_IDS), (g, t) => {
        const fwd = dihedralTransform(g, t);
        expect(gridsEqual(inverseDihedralTransform(fwd, t), g)).toBe(true);
        expect(gridsEqual(dihedralTransform(fwd, DIHEDRAL_INVERSE[t] as DihedralId), g)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
