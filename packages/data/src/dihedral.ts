import type { Grid } from "./grid.js";

/**
 * The 8 symmetries of a rectangle's grid (the dihedral group D4) under the official ids of `dataset/common.py`:
 * 0 identity, 1-3 np.rot90 k=1..3 (counter-clockwise), 4 np.fliplr, 5 np.flipud, 6 transpose, 7 fliplr(rot90).
 */
export type DihedralId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const DIHEDRAL_IDS: readonly DihedralId[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** `DIHEDRAL_INVERSE[t]` undoes transform t (rot90 and rot270 swap; the rest are involutions). */
export const DIHEDRAL_INVERSE: readonly DihedralId[] = [0, 3, 2, 1, 4, 5, 6, 7];

export function isDihedralId(t: number): t is DihedralId {
  return Number.isInteger(t) && t >= 0 && t <= 7;
}

/** Output shape of transform `t` on an `rows` x `cols` grid: ids 1, 3, 6, 7 swap the sides. */
export function dihedralShape(rows: number, cols: number, t: DihedralId): [number, number] {
  return t === 1 || t === 3 || t === 6 || t === 7 ? [cols, rows] : [rows, cols];
}

/**
 * Source index (row-major in the input grid) of output cell (i, j) for transform `t` of an H x W grid. Derived from
 * numpy: rot90(A)[i, j] = A[j, W-1-i]; fliplr(A)[i, j] = A[i, W-1-j]; flipud(A)[i, j] = A[H-1-i, j]; A.T[i, j] = A[j, i].
 */
export function dihedralSource(t: DihedralId, h: number, w: number, i: number, j: number): number {
  switch (t) {
    case 0:
      return i * w + j;
    case 1:
      return j * w + (w - 1 - i);
    case 2:
      return (h - 1 - i) * w + (w - 1 - j);
    case 3:
      return (h - 1 - j) * w + i;
    case 4:
      return i * w + (w - 1 - j);
    case 5:
      return (h - 1 - i) * w + j;
    case 6:
      return j * w + i;
    case 7:
      // fliplr(rot90(A))[i, j] = rot90(A)[i, H-1-j] = A[H-1-j, W-1-i]: the anti-diagonal reflection.
      return (h - 1 - j) * w + (w - 1 - i);
  }
}

export function dihedralTransform(g: Grid, t: DihedralId): Grid {
  const [rows, cols] = dihedralShape(g.rows, g.cols, t);
  const cells = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) cells[i * cols + j] = g.cells[dihedralSource(t, g.rows, g.cols, i, j)] ?? 0;
  }
  return { rows, cols, cells };
}

export function inverseDihedralTransform(g: Grid, t: DihedralId): Grid {
  return dihedralTransform(g, DIHEDRAL_INVERSE[t] as DihedralId);
}
