/** A rectangular grid of small integers, row-major: cell (r, c) is `cells[r * cols + c]`. */
export interface Grid {
  readonly rows: number;
  readonly cols: number;
  readonly cells: Uint8Array;
}

export function makeGrid(rows: number, cols: number, cells?: ArrayLike<number>): Grid {
  const out = new Uint8Array(rows * cols);
  if (cells) {
    if (cells.length !== rows * cols) throw new RangeError(`makeGrid: ${rows}x${cols} needs ${rows * cols} cells, got ${cells.length}`);
    out.set(cells);
  }
  return { rows, cols, cells: out };
}

/** From nested arrays (`grid[r][c]`), as in ARC JSON. The caller validates shape and values first. */
export function gridFromRows(rows: readonly (readonly number[])[]): Grid {
  const cols = rows[0]?.length ?? 0;
  const g = makeGrid(rows.length, cols);
  rows.forEach((row, r) => row.forEach((v, c) => (g.cells[r * cols + c] = v)));
  return g;
}

export function gridToRows(g: Grid): number[][] {
  return Array.from({ length: g.rows }, (_, r) => Array.from(g.cells.subarray(r * g.cols, (r + 1) * g.cols)));
}

export function gridsEqual(a: Grid, b: Grid): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols) return false;
  for (let i = 0; i < a.cells.length; i++) if (a.cells[i] !== b.cells[i]) return false;
  return true;
}

/** Maps every cell through `table` (e.g. a colour or digit permutation). */
export function mapCells(g: Grid, table: ArrayLike<number>): Grid {
  const out = new Uint8Array(g.cells.length);
  for (let i = 0; i < out.length; i++) {
    const v = table[g.cells[i] ?? 0];
    if (v === undefined) throw new RangeError(`mapCells: value ${g.cells[i]} has no entry in a table of ${table.length}`);
    out[i] = v;
  }
  return { rows: g.rows, cols: g.cols, cells: out };
}

/** The inverse of a permutation given as `perm[old] = new`. */
export function invertPermutation(perm: ArrayLike<number>): number[] {
  const inv = new Array<number>(perm.length).fill(-1);
  for (let i = 0; i < perm.length; i++) {
    const p = perm[i] ?? -1;
    if (p < 0 || p >= perm.length || inv[p] !== -1) throw new RangeError(`invertPermutation: not a permutation: ${Array.from(perm).join(",")}`);
    inv[p] = i;
  }
  return inv;
}
