import { parseCsv } from "./csv.js";
import { DataError } from "./errors.js";
import { makeGrid, type Grid } from "./grid.js";

/** Characters of Maze-Hard, token id = index + 1 (PAD 0): `#` wall 1, space open 2, `S` start 3, `G` goal 4, `o` path 5. */
export const MAZE_CHARSET = "# SGo";
export const MAZE_WALL = 1;
export const MAZE_OPEN = 2;
export const MAZE_START = 3;
export const MAZE_GOAL = 4;
export const MAZE_PATH = 5;
export const MAZE_VOCAB_SIZE = MAZE_CHARSET.length + 1;

/** A maze: cells hold token ids 1-5 directly, so encoding is the identity. The answer marks the path with `o`. */
export interface MazePuzzle {
  readonly side: number;
  readonly question: Grid;
  readonly answer: Grid;
  readonly source?: string;
  readonly rating?: number;
}

export function mazeToString(g: Grid): string {
  return Array.from(g.cells, (v) => MAZE_CHARSET[v - 1] ?? "?").join("");
}

/** Parses a row-major maze string whose length is a square; `allowPath` admits `o` (answers only). */
export function parseMazeString(text: string, where: { file: string; location: string; field: string }, allowPath: boolean): Grid {
  const side = Math.round(Math.sqrt(text.length));
  if (side < 2 || side * side !== text.length) {
    throw new DataError({ ...where, expected: "a square number of characters (side x side, row-major), side >= 2", got: `${text.length} characters` });
  }
  const g = makeGrid(side, side);
  for (let i = 0; i < text.length; i++) {
    const id = MAZE_CHARSET.indexOf(text[i] ?? "") + 1;
    if (id === 0 || (!allowPath && id === MAZE_PATH)) {
      throw new DataError({ ...where, expected: `one of ${JSON.stringify(allowPath ? MAZE_CHARSET : "# SG")} at cell ${i}`, got: JSON.stringify(text[i]) });
    }
    g.cells[i] = id;
  }
  return g;
}

/** Cells reachable from `from` through cells for which `passable` holds, as BFS distances (-1 = unreachable). */
export function mazeDistances(g: Grid, from: number, passable: (v: number) => boolean): Int32Array {
  const dist = new Int32Array(g.cells.length).fill(-1);
  dist[from] = 0;
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head] ?? 0;
    const r = Math.floor(i / g.cols);
    const c = i % g.cols;
    const next = [r > 0 ? i - g.cols : -1, r < g.rows - 1 ? i + g.cols : -1, c > 0 ? i - 1 : -1, c < g.cols - 1 ? i + 1 : -1];
    for (const j of next) {
      if (j >= 0 && dist[j] === -1 && passable(g.cells[j] ?? 0)) {
        dist[j] = (dist[i] ?? 0) + 1;
        queue.push(j);
      }
    }
  }
  return dist;
}

/**
 * Checks a maze: exactly one S and one G; the answer equals the question except open cells marked `o`; and the `o`
 * cells join S to G (4-neighbour steps through `o` cells only).
 */
export function validateMaze(p: MazePuzzle, where: { file: string; location: string }): void {
  const { question: q, answer: a } = p;
  if (a.rows !== q.rows || a.cols !== q.cols) {
    throw new DataError({ ...where, field: "answer", expected: `${q.rows}x${q.cols} like the question`, got: `${a.rows}x${a.cols}` });
  }
  const starts: number[] = [];
  const goals: number[] = [];
  q.cells.forEach((v, i) => (v === MAZE_START ? starts.push(i) : v === MAZE_GOAL ? goals.push(i) : undefined));
  if (starts.length !== 1) throw new DataError({ ...where, field: "question", expected: "exactly one start S", got: `${starts.length}` });
  if (goals.length !== 1) throw new DataError({ ...where, field: "question", expected: "exactly one goal G", got: `${goals.length}` });
  for (let i = 0; i < q.cells.length; i++) {
    const qv = q.cells[i] ?? 0;
    const av = a.cells[i] ?? 0;
    if (av !== qv && !(qv === MAZE_OPEN && av === MAZE_PATH)) {
      throw new DataError({
        ...where,
        field: "answer",
        expected: `the question's ${JSON.stringify(MAZE_CHARSET[qv - 1])} at cell ${i} (only open cells may become o)`,
        got: JSON.stringify(MAZE_CHARSET[av - 1]),
      });
    }
  }
  const start = starts[0] ?? 0;
  const goal = goals[0] ?? 0;
  const dist = mazeDistances(a, start, (v) => v === MAZE_PATH || v === MAZE_GOAL);
  if (dist[goal] === -1) throw new DataError({ ...where, field: "answer", expected: "o cells forming a path from S to G", got: "no such path" });
}

/** Reads Maze CSV text with columns `source,question,answer[,rating]` (Maze-Hard). Validates every row. */
export function parseMazeCsv(text: string, file: string): MazePuzzle[] {
  let side: number | undefined;
  return parseCsv(text, file, ["question", "answer"]).map(({ line, fields }) => {
    const location = `line ${line}`;
    const question = parseMazeString(fields.question ?? "", { file, location, field: "question" }, false);
    const answer = parseMazeString(fields.answer ?? "", { file, location, field: "answer" }, true);
    side ??= question.rows;
    if (question.rows !== side) {
      throw new DataError({ file, location, field: "question", expected: `side ${side} like the first row (one seqLen per file)`, got: `side ${question.rows}` });
    }
    const rating = fields.rating === undefined || fields.rating === "" ? undefined : Number(fields.rating);
    if (rating !== undefined && !Number.isFinite(rating)) throw new DataError({ file, location, field: "rating", expected: "a number", got: fields.rating ?? "" });
    const p: MazePuzzle = {
      side: question.rows,
      question,
      answer,
      ...(fields.source === undefined ? {} : { source: fields.source }),
      ...(rating === undefined ? {} : { rating }),
    };
    validateMaze(p, { file, location });
    return p;
  });
}
