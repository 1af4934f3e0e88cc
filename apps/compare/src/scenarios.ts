import type { GeneratedPuzzles } from "@trm/data";
import type { Budget } from "./budget.js";

/** One side of a pairing: a training preset plus overrides that apply to this model only. */
export interface PairedModel {
  readonly label: string;
  readonly preset: string;
  readonly sets: readonly string[];
}

/** Two models compared with everything else equal. */
export interface Pairing {
  readonly name: string;
  /** One line for --help and the report. */
  readonly description: string;
  /** Shown wherever the pairing appears (report, terminal), e.g. that one side is not in the official code. */
  readonly caveat: string | null;
  readonly models: readonly [PairedModel, PairedModel];
}

/** Generated data of a scenario: which generator, how hard. */
export type ScenarioData = GeneratedPuzzles;

/** A puzzle family with the budget at which a comparison on it takes minutes on a 2-core CPU. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly data: ScenarioData;
  /** Original training puzzles; each becomes a group with `augmentations` symmetric variants. */
  readonly train: number;
  readonly augmentations: number;
  /** Held-out test puzzles, none of which is a training question. */
  readonly test: number;
  /** Per model, per seed. */
  readonly budget: Budget;
  /** Training overrides on both presets, before the pairing's and the command line's. */
  readonly sets: readonly string[];
}

const HRM_MLP_CAVEAT =
  "HRM with the MLP token mixer is this project's ablation: the official HRM mixes tokens with attention only.";

/** The pairings `--pairing` accepts; the first is the default. */
export const PAIRINGS: Readonly<Record<string, Pairing>> = {
  "same-block": {
    name: "same-block",
    description:
      "TRM-MLP against HRM with the same block (token-mixing MLP, no positions, hidden 32, expansion 4, 2 blocks each): recursion against hierarchy, nothing else",
    caveat: HRM_MLP_CAVEAT,
    models: [
      { label: "TRM", preset: "tiny-trm-sudoku4", sets: [] },
      { label: "HRM", preset: "tiny-hrm-mlp-sudoku4", sets: [] },
    ],
  },
  paper: {
    name: "paper",
    description:
      "the papers' own cross-mixer pairing: TRM-MLP against HRM with attention and RoPE (Sudoku-Extreme: 87.4% against 55.0%); the block differs too",
    caveat: "The two models differ in token mixer and positions as well as in recursion; the gap measures both.",
    models: [
      { label: "TRM", preset: "tiny-trm-sudoku4", sets: [] },
      { label: "HRM", preset: "tiny-hrm-sudoku4", sets: [] },
    ],
  },
  attention: {
    name: "attention",
    description: "TRM and HRM both with attention and RoPE (the official HRM block), hidden 32, 2 heads",
    caveat: "At small budgets attention models of this size may not learn at all on this data.",
    models: [
      { label: "TRM", preset: "tiny-trm-sudoku4", sets: ["arch.mlp_t=false", "arch.pos_encodings=rope"] },
      { label: "HRM", preset: "tiny-hrm-sudoku4", sets: [] },
    ],
  },
};

/**
 * Shared by every scenario: 16 supervision steps as the paper, so the refinement curve spans steps 1..16; an EMA
 * horizon of about 10 steps, since a run of a few hundred steps would otherwise evaluate weights averaged over most
 * of training; periodic evaluations on 64 test puzzles, so they take little of the budget.
 */
export const SCENARIO_SETS: readonly string[] = ["arch.halt_max_steps=16", "ema_rate=0.9", "eval_max_examples=64"];

/** The scenarios `--scenario` accepts; the first is the default. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  sudoku4: {
    name: "sudoku4",
    description: "4x4 Sudoku, minimal puzzles (givens removed while the solution stays unique)",
    data: { task: "sudoku", size: 4, minClues: 0 },
    train: 1000,
    augmentations: 15,
    test: 256,
    budget: { kind: "samples", samples: 25_000 },
    sets: SCENARIO_SETS,
  },
  sudoku6: {
    name: "sudoku6",
    description: "6x6 Sudoku (2x3 boxes), at least 18 of 36 cells given",
    data: { task: "sudoku", size: 6, minClues: 18 },
    train: 1000,
    augmentations: 15,
    test: 256,
    budget: { kind: "samples", samples: 12_800 },
    sets: SCENARIO_SETS,
  },
  "sudoku9-easy": {
    name: "sudoku9-easy",
    description: "9x9 Sudoku with many givens: at least 56 of 81 cells given",
    data: { task: "sudoku", size: 9, minClues: 56 },
    train: 1000,
    augmentations: 15,
    test: 256,
    budget: { kind: "samples", samples: 12_800 },
    sets: SCENARIO_SETS,
  },
  maze7: {
    name: "maze7",
    description: "generated 7x7 mazes (walls included), start and goal at least 6 steps apart; mark the shortest path",
    data: { task: "maze", side: 7, minPath: 6 },
    train: 1000,
    augmentations: 7,
    test: 256,
    budget: { kind: "samples", samples: 12_800 },
    sets: SCENARIO_SETS,
  },
};

export const DEFAULT_PAIRING = "same-block";
export const DEFAULT_SCENARIO = "sudoku4";

/** A table entry by name; the error lists the names. */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string, flag: string): T {
  const v = table[name];
  if (v === undefined) throw new Error(`${flag}: unknown name "${name}"; one of ${Object.keys(table).join(", ")}`);
  return v;
}
