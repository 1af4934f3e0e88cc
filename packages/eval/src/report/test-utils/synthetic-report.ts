import type { ArcGrid } from "../../arc-vote.js";
import type { PuzzleView } from "../puzzle-svg.js";
import { MAZE_TOKENS } from "../puzzle-svg.js";
import type { PuzzleExample, ReportInput, ReportModel } from "../report-html.js";

const grid = (rows: number, cols: number, cells: number[]): ArcGrid => ({ rows, cols, cells: Uint8Array.from(cells) });

/** A solved 4x4 Sudoku and its puzzle (0 = blank). */
const SOLUTION = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
const QUESTION = [1, 0, 0, 4, 0, 4, 1, 0, 2, 0, 0, 3, 0, 3, 2, 0];
const sudoku = (cells: number[]): PuzzleView => ({ kind: "digits", grid: grid(4, 4, cells), box: { rows: 2, cols: 2 } });

/** `wrong` cells of the solution changed to another digit. */
function withErrors(cells: number[], wrong: number[]): number[] {
  const out = [...cells];
  for (const i of wrong) out[i] = ((out[i] ?? 1) % 4) + 1;
  return out;
}

const STEPS = [1, 2, 4, 8, 16];

function sudokuExample(): PuzzleExample {
  return {
    title: "Sudoku 4x4, test puzzle 1",
    input: sudoku(QUESTION),
    target: sudoku(SOLUTION),
    answers: [
      { model: "TRM", steps: STEPS.map((step, i) => ({ step, view: sudoku(withErrors(SOLUTION, [1, 2, 7, 9].slice(i))) })) },
      { model: "HRM", steps: STEPS.map((step, i) => ({ step, view: sudoku(withErrors(SOLUTION, [1, 2, 7, 9, 13].slice(Math.min(i, 3)))) })) },
    ],
  };
}

function mazeExample(): PuzzleExample {
  const { wall: W, open: O, start: S, goal: G, path: P }: Record<keyof typeof MAZE_TOKENS, number> = MAZE_TOKENS;
  // prettier-ignore
  const target = [
    W, W, W, W, W, W,
    W, S, P, P, W, W,
    W, W, W, P, W, W,
    W, O, O, P, P, W,
    W, O, W, W, G, W,
    W, W, W, W, W, W,
  ];
  const input = target.map((v) => (v === P ? O : v));
  const partial = [...input];
  partial[8] = P;
  partial[9] = P;
  partial[13] = P; // wrong guess: a wall cell
  const m = (cells: number[]): PuzzleView => ({ kind: "maze", grid: grid(6, 6, cells) });
  return {
    title: "Maze 6x6",
    input: m(input),
    target: m(target),
    answers: [{ model: "TRM", steps: [{ step: 1, view: m(partial) }, { step: 16, view: m(target) }] }],
  };
}

function arcExample(): PuzzleExample {
  const a = (rows: number, cols: number, cells: number[]): PuzzleView => ({ kind: "colours", grid: grid(rows, cols, cells) });
  const target = a(3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  return {
    title: "ARC task 00000000",
    input: a(3, 3, [0, 1, 0, 2, 0, 3, 0, 4, 0]),
    target,
    answers: [
      {
        model: "TRM",
        steps: [
          { step: 1, view: a(2, 2, [1, 2, 4, 5]) },
          { step: 2, view: a(3, 3, [1, 2, 3, 4, 0, 6, 7, 8, 0]) },
          { step: 16, view: target },
        ],
      },
    ],
  };
}

function model(label: string, exact: number, h: number[]): ReportModel {
  const curve = Array.from({ length: 16 }, (_, i) => ({
    step: i + 1,
    exactAccuracy: exact * (1 - Math.exp(-(i + 1) / 3)),
    tokenAccuracy: 0.5 + 0.5 * exact * (1 - Math.exp(-(i + 1) / 3)),
  }));
  return {
    label,
    description: `${label} test model`,
    summary: {
      params: label === "TRM" ? 81_234 : 163_000,
      trainSeconds: 95.5,
      samplesPerSecond: label === "TRM" ? 210.4 : 180.2,
      exactAccuracy: curve[15]?.exactAccuracy ?? 0,
      tokenAccuracy: curve[15]?.tokenAccuracy ?? 0,
      exactAtStep1: curve[0]?.exactAccuracy ?? 0,
      exactAtLastStep: curve[15]?.exactAccuracy ?? 0,
      meanHaltSteps: h.reduce((s, n, i) => s + n * (i + 1), 0) / h.reduce((s, n) => s + n, 0),
      peakMemoryBytes: label === "TRM" ? 52 * 2 ** 20 : null,
    },
    curve,
    haltingHistogram: h,
  };
}

/** A report over made-up numbers that exercises every section and every board kind. */
export function syntheticReport(): ReportInput {
  const hist = (peak: number): number[] => Array.from({ length: 16 }, (_, i) => Math.round(40 * Math.exp(-((i - peak) ** 2) / 6)));
  const loss = (label: string, scale: number) =>
    Array.from({ length: 30 }, (_, i) => ({ model: label, x: (i + 1) * 512, y: scale * Math.exp(-i / 10) + 0.2 }));
  return {
    title: "TRM vs HRM on Sudoku 4x4",
    subtitle: "generated Sudoku 4x4 · budget 2 min each · seed 0",
    models: [model("TRM", 0.82, hist(3)), model("HRM", 0.47, hist(9))],
    learningCurves: [
      {
        id: "loss",
        title: "Training loss",
        xTitle: "samples",
        yTitle: "loss",
        points: [...loss("TRM", 2), ...loss("HRM", 2.4)],
      },
    ],
    examples: [sudokuExample(), mazeExample(), arcExample()],
    settings: [
      ["task", "sudoku 4x4"],
      ["seed", "0"],
    ],
    notes: [{ title: "Notes", paragraphs: ["Synthetic numbers <not real>."] }],
    footer: "trm-compare --budget 2m",
  };
}
