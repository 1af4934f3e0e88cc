import { DataError, createRng, makeGrid, invertPermutation, mapCells, readText, registerTask, type Grid, type Task } from "../index.js";

/** A 4x4 Latin square: every row and column holds 1-4 once. Question: some cells blank (0). */
const N = 4;

function check(ex: { question: Grid; answer: Grid }, where: { file: string; location: string }): void {
  for (let i = 0; i < N; i++) {
    const row = new Set<number>();
    const col = new Set<number>();
    for (let j = 0; j < N; j++) {
      row.add(ex.answer.cells[i * N + j] ?? 0);
      col.add(ex.answer.cells[j * N + i] ?? 0);
    }
    if (row.size !== N || col.size !== N || row.has(0)) throw new DataError({ ...where, field: "answer", expected: "1-4 once per row and column", got: `line ${i + 1}` });
  }
  ex.question.cells.forEach((v, k) => {
    if (v !== 0 && v !== ex.answer.cells[k]) throw new DataError({ ...where, field: "answer", expected: `the given ${v} at cell ${k}` });
  });
}

const parse = (s: string): Grid => makeGrid(N, N, Array.from(s, Number));

export const latinSquareTask: Task<Grid, number[]> = {
  name: "latin-square",
  description: "4x4 Latin squares (file lines: question:answer, 16 digits each, 0 = blank)",
  vocabulary: () => ["<pad>", "<blank>", "1", "2", "3", "4"],
  seqLen: () => N * N,
  load: (paths, files) =>
    paths.flatMap((file) =>
      readText(files, file).trim().split("\n").map((line, i) => {
        const [q = "", a = ""] = line.split(":");
        if (!/^[0-4]{16}$/.test(q) || !/^[1-4]{16}$/.test(a)) throw new DataError({ file, location: `line ${i + 1}`, field: "line", expected: "16 digits 0-4, a colon, 16 digits 1-4", got: line });
        const example = { question: parse(q), answer: parse(a) };
        check(example, { file, location: `line ${i + 1}` });
        return { id: `${file}#${i}`, train: [example], test: [] };
      }),
    ),
  generate(params, seed) {
    const rng = createRng(seed);
    return Array.from({ length: Number(params.train ?? "10") }, (_, k) => {
      const [rows, cols, syms] = [rng.permutation(N), rng.permutation(N), rng.permutation(N)];
      const answer = makeGrid(N, N, Array.from({ length: N * N }, (_, c) => (syms[((rows[Math.floor(c / N)] ?? 0) + (cols[c % N] ?? 0)) % N] ?? 0) + 1));
      const question = makeGrid(N, N, answer.cells.map((v) => (rng.next() < 0.5 ? 0 : v)));
      return { id: `gen#${k}`, train: [{ question, answer }], test: [] };
    });
  },
  validate: check,
  encode: (board) => board.cells.map((v) => v + 1),
  decode: (tokens) => makeGrid(N, N, Array.from(tokens, (t) => Math.max(0, t - 1))),
  // Relabelling the symbols keeps a Latin square a Latin square; blanks (0) stay blank.
  augmentation: {
    random: (_item, rng) => [0, ...rng.permutation(N).map((s) => s + 1)],
    apply: (board, perm) => mapCells(board, perm),
    inverse: (perm) => invertPermutation(perm),
    name: (perm) => perm.slice(1).join(""),
  },
  augmentSplits: ["train"],
  dedupe: true,
  puzzleIdentifiers: "blank",
};

registerTask(latinSquareTask);
