import { makeGrid } from "./grid.js";
import { MAZE_GOAL, MAZE_OPEN, MAZE_PATH, MAZE_START, MAZE_WALL, mazeDistances, type MazePuzzle } from "./maze.js";
import { createRng, type Rng } from "./rng.js";

export interface MazeGeneratorOptions {
  /** Board side (>= 3); the board is side x side, like Maze-Hard's 30. */
  readonly side: number;
  readonly count: number;
  readonly seed: number;
  /** Minimum shortest-path length S -> G in steps (default: side). */
  readonly minPath?: number;
  /** Share of inner walls knocked down after carving, to add loops (0 = a perfect maze; default 0.1). */
  readonly loops?: number;
  /** Called every few hundred mazes and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Largest side: side x side tokens must stay within a dataset's sequence length limit. */
export const MAX_MAZE_SIDE = 256;

const PROGRESS_EVERY = 500;

/** A generated maze with its shortest path length (BFS steps from S to G). */
export interface GeneratedMaze extends MazePuzzle {
  readonly pathLength: number;
}

/** Carves a random spanning tree over the cells at even coordinates (randomised depth-first search). */
function carve(side: number, rng: Rng, loops: number): Uint8Array {
  const cells = new Uint8Array(side * side).fill(MAZE_WALL);
  const n = Math.floor((side + 1) / 2); // lattice points 0, 2, 4, ... < side
  const visited = new Uint8Array(n * n);
  const start = rng.int(0, n * n);
  const stack = [start];
  visited[start] = 1;
  cells[2 * Math.floor(start / n) * side + 2 * (start % n)] = MAZE_OPEN;
  while (stack.length > 0) {
    const cur = stack[stack.length - 1] ?? 0;
    const r = Math.floor(cur / n);
    const c = cur % n;
    const options = [
      [r - 1, c],
      [r + 1, c],
      [r, c - 1],
      [r, c + 1],
    ].filter(([rr = -1, cc = -1]) => rr >= 0 && rr < n && cc >= 0 && cc < n && !visited[rr * n + cc]);
    if (options.length === 0) {
      stack.pop();
      continue;
    }
    const [nr = 0, nc = 0] = options[rng.int(0, options.length)] ?? [];
    visited[nr * n + nc] = 1;
    cells[2 * nr * side + 2 * nc] = MAZE_OPEN;
    cells[(r + nr) * side + (c + nc)] = MAZE_OPEN; // the wall between the two lattice points
    stack.push(nr * n + nc);
  }
  // Knock down a share of the walls that separate two open cells in a line: loops make several routes.
  for (let i = 0; i < side * side; i++) {
    if (cells[i] !== MAZE_WALL) continue;
    const r = Math.floor(i / side);
    const c = i % side;
    const horizontal = c > 0 && c < side - 1 && cells[i - 1] === MAZE_OPEN && cells[i + 1] === MAZE_OPEN;
    const vertical = r > 0 && r < side - 1 && cells[i - side] === MAZE_OPEN && cells[i + side] === MAZE_OPEN;
    if ((horizontal || vertical) && rng.next() < loops) cells[i] = MAZE_OPEN;
  }
  return cells;
}

/**
 * Random mazes with a start, a goal at least `minPath` BFS steps away, and the shortest path marked `o` in the answer.
 * Deterministic per seed. Among several shortest paths, the one BFS parents give (neighbour order up, down, left,
 * right from G) is marked.
 */
export function generateMaze(options: MazeGeneratorOptions): GeneratedMaze[] {
  const { side, count, seed } = options;
  if (!Number.isInteger(side) || side < 3 || side > MAX_MAZE_SIDE) {
    throw new RangeError(`generateMaze: side must be an integer from 3 to ${MAX_MAZE_SIDE}, got ${side}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`generateMaze: count must be a non-negative integer, got ${count}`);
  const minPath = options.minPath ?? side;
  const loops = options.loops ?? 0.1;
  const rng = createRng(seed);
  const out: GeneratedMaze[] = [];
  for (let k = 0; k < count; k++) {
    let made: GeneratedMaze | undefined;
    for (let attempt = 0; attempt < 100 && !made; attempt++) {
      const cells = carve(side, rng, loops);
      const grid = makeGrid(side, side, cells);
      const open: number[] = [];
      cells.forEach((v, i) => (v === MAZE_OPEN ? open.push(i) : undefined));
      let s = open[rng.int(0, open.length)] ?? 0;
      let dist = mazeDistances(grid, s, (v) => v === MAZE_OPEN);
      let far: number[] = [];
      dist.forEach((d, i) => (d >= minPath ? far.push(i) : undefined));
      if (far.length === 0) {
        // Too central a start: restart from the cell farthest from it (one sweep towards the maze's diameter).
        s = dist.reduce((best, d, i) => (d > (dist[best] ?? -1) ? i : best), s);
        dist = mazeDistances(grid, s, (v) => v === MAZE_OPEN);
        far = [];
        dist.forEach((d, i) => (d >= minPath ? far.push(i) : undefined));
      }
      if (far.length === 0) continue;
      const g = far[rng.int(0, far.length)] ?? 0;
      const question = makeGrid(side, side, cells);
      question.cells[s] = MAZE_START;
      question.cells[g] = MAZE_GOAL;
      const answer = makeGrid(side, side, question.cells);
      // Walk back from G along strictly decreasing distances.
      let cur = g;
      while ((dist[cur] ?? 0) > 1) {
        const r = Math.floor(cur / side);
        const c = cur % side;
        const prev = [r > 0 ? cur - side : -1, r < side - 1 ? cur + side : -1, c > 0 ? cur - 1 : -1, c < side - 1 ? cur + 1 : -1].find(
          (j) => j >= 0 && dist[j] === (dist[cur] ?? 0) - 1,
        );
        if (prev === undefined) throw new Error("generateMaze: broken BFS distances");
        answer.cells[prev] = MAZE_PATH;
        cur = prev;
      }
      made = { side, question, answer, source: `generated:side=${side},seed=${seed}`, rating: dist[g] ?? 0, pathLength: dist[g] ?? 0 };
    }
    if (!made) throw new RangeError(`generateMaze: no start/goal pair ${minPath} steps apart in 100 mazes of side ${side}; lower minPath`);
    out.push(made);
    if (options.onProgress && ((k + 1) % PROGRESS_EVERY === 0 || k + 1 === count)) options.onProgress(k + 1, count);
  }
  return out;
}
