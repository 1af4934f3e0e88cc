import { decodeArcGrid, decodeSudokuGrid, isSudokuSize, sudokuBox } from "@trm/data";
import {
  formatBytes,
  formatCount,
  formatSeconds,
  type LearningCurve,
  type ModelSummary,
  type PuzzleExample,
  type PuzzleView,
  type ReportInput,
  type ReportModel,
} from "@trm/eval";
import type { ModelRun } from "./run-model.js";

/** The numbers of the comparison table for one run. */
export function summarize(run: ModelRun): ModelSummary {
  const e = run.evaluation;
  return {
    params: run.params,
    trainSeconds: run.fit.elapsedSeconds,
    samplesPerSecond: run.samplesPerSecond,
    exactAccuracy: e.exactAccuracy,
    tokenAccuracy: e.tokenAccuracy,
    exactAtStep1: e.curve[0]?.exactAccuracy ?? 0,
    exactAtLastStep: e.curve[e.curve.length - 1]?.exactAccuracy ?? 0,
    meanHaltSteps: e.halting.meanSteps,
    peakMemoryBytes: run.peakTensorBytes,
  };
}

/** The comparison as a plain-text table for the terminal. */
export function formatTable(runs: readonly ModelRun[]): string {
  const s = runs.map(summarize);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const steps = runs.map((r) => r.evaluation.steps);
  const rows: [string, ...string[]][] = [
    ["", ...runs.map((r) => r.label)],
    ["trainable params", ...s.map((x) => formatCount(x.params))],
    ["train time", ...s.map((x) => formatSeconds(x.trainSeconds))],
    ["samples/s", ...s.map((x) => x.samplesPerSecond.toFixed(1))],
    ["test exact accuracy", ...s.map((x) => pct(x.exactAccuracy))],
    ["test token accuracy", ...s.map((x) => pct(x.tokenAccuracy))],
    ["exact @ step 1", ...s.map((x) => pct(x.exactAtStep1))],
    [`exact @ last step`, ...s.map((x, i) => `${pct(x.exactAtLastStep)} (${steps[i]})`)],
    ["mean halting steps", ...s.map((x) => x.meanHaltSteps.toFixed(2))],
    ["peak tensor memory", ...s.map((x) => formatBytes(x.peakMemoryBytes))],
    ["test puzzles", ...runs.map((r) => String(r.evaluation.rows))],
  ];
  const header = rows[0] ?? [""];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("   ");
  const sep = widths.map((w) => "-".repeat(w)).join("   ");
  return [line(header), sep, ...rows.slice(1).map(line)].join("\n");
}

/** Decodes a row of tokens into a board the report can draw, per task; null when the task has no picture. */
export function tokensToView(task: string, tokens: ArrayLike<number>): PuzzleView | null {
  if (task === "sudoku") {
    const n = Math.round(Math.sqrt(tokens.length));
    if (!isSudokuSize(n)) return null;
    return { kind: "sudoku", grid: decodeSudokuGrid(tokens), box: sudokuBox(n) };
  }
  if (task === "maze") {
    const n = Math.round(Math.sqrt(tokens.length));
    const cells = Uint8Array.from(Array.from(tokens, (t) => Math.max(0, t)));
    return { kind: "maze", grid: { rows: n, cols: n, cells } };
  }
  if (task === "arc") return { kind: "arc", grid: decodeArcGrid(tokens) };
  return null;
}

/**
 * Picks test puzzles worth looking at: first those where the models' final answers differ in correctness, then ones
 * every model gets wrong at step 1 (so refinement shows), then the rest, up to `count`.
 */
function pickExamples(runs: readonly ModelRun[], count: number): number[] {
  const kept = Math.min(...runs.map((r) => r.evaluation.kept.rows));
  if (!Number.isFinite(kept) || kept <= 0) return [];
  const exactAt = (run: ModelRun, snapIndex: number, row: number): boolean => {
    const k = run.evaluation.kept;
    const snap = k.snapshots[snapIndex];
    const L = run.evaluation.seqLen;
    if (!snap) return false;
    for (let i = row * L; i < (row + 1) * L; i++) {
      const label = k.labels[i] ?? -100;
      if (label !== -100 && snap.tokens[i] !== label) return false;
    }
    return true;
  };
  const rows = Array.from({ length: kept }, (_, i) => i);
  const score = (row: number): number => {
    const finals = runs.map((r) => exactAt(r, r.evaluation.kept.snapshots.length - 1, row));
    const differ = finals.some((f) => f !== finals[0]);
    const refined = runs.some((r) => !exactAt(r, 0, row) && exactAt(r, r.evaluation.kept.snapshots.length - 1, row));
    return (differ ? 2 : 0) + (refined ? 1 : 0);
  };
  return rows.sort((a, b) => score(b) - score(a) || a - b).slice(0, count);
}

function examples(task: string, runs: readonly ModelRun[], count: number): PuzzleExample[] {
  const first = runs[0];
  if (first === undefined) return [];
  const L = first.evaluation.seqLen;
  const out: PuzzleExample[] = [];
  for (const row of pickExamples(runs, count)) {
    const slice = (a: Int32Array) => a.subarray(row * L, (row + 1) * L);
    const input = tokensToView(task, slice(first.evaluation.kept.inputs));
    const target = tokensToView(task, slice(first.evaluation.kept.labels));
    if (input === null || target === null) return [];
    out.push({
      title: `Test puzzle ${row + 1}`,
      input,
      target,
      answers: runs.map((r) => ({
        model: r.label,
        steps: r.evaluation.kept.snapshots.flatMap((s) => {
          const view = tokensToView(task, s.tokens.subarray(row * L, (row + 1) * L));
          return view === null ? [] : [{ step: s.step, view }];
        }),
      })),
    });
  }
  return out;
}

/** Thins a curve to at most `max` points by averaging consecutive windows (training metrics are noisy). */
export function smooth<T extends { readonly samples: number }>(
  points: readonly T[],
  value: (p: T) => number,
  max: number,
): { x: number; y: number }[] {
  if (points.length === 0) return [];
  const w = Math.max(1, Math.ceil(points.length / max));
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += w) {
    const win = points.slice(i, i + w);
    const ys = win.map(value).filter((v) => Number.isFinite(v));
    if (ys.length === 0) continue;
    out.push({ x: win[win.length - 1]?.samples ?? 0, y: ys.reduce((a, b) => a + b, 0) / ys.length });
  }
  return out;
}

function describeArch(run: ModelRun): string {
  const a = run.config.arch;
  const layers = a.name === "hrm" ? `${a.H_layers ?? "?"}+${a.L_layers ?? "?"} layers` : `${a.L_layers ?? "?"} layers`;
  return `${run.preset}: ${layers}, hidden ${a.hidden_size ?? "?"}, T=${a.H_cycles ?? "?"}, n=${a.L_cycles ?? "?"}, N_sup=${a.halt_max_steps ?? "?"}, batch ${run.config.global_batch_size}`;
}

export interface CompareContext {
  readonly task: string;
  readonly dataDescription: string;
  readonly budgetDescription: string;
  readonly seed: number;
  readonly backend: string;
  readonly command: string;
}

/** The report's input from the runs. */
export function buildReportInput(runs: readonly ModelRun[], ctx: CompareContext): ReportInput {
  const models: ReportModel[] = runs.map((r) => ({
    label: r.label,
    description: describeArch(r),
    summary: summarize(r),
    curve: r.evaluation.curve,
    haltingHistogram: r.evaluation.halting.histogram,
  }));
  const curve = (
    id: string,
    title: string,
    yTitle: string,
    pick: (r: ModelRun) => { x: number; y: number }[],
    yFormat?: string,
    markers = false,
  ): LearningCurve => ({
    id,
    markers,
    title,
    xTitle: "training samples (sample × supervision step)",
    yTitle,
    ...(yFormat === undefined ? {} : { yFormat }),
    points: runs.flatMap((r) => pick(r).map((p) => ({ model: r.label, ...p }))),
  });
  const learningCurves: LearningCurve[] = [
    curve("loss", "Training loss", "loss (lm + 0.5 · q)", (r) => smooth(r.train, (p) => p.loss, 120)),
    curve("train-exact", "Training exact accuracy (halted rows)", "exact accuracy", (r) => smooth(r.train, (p) => p.exactAccuracy, 120), ".0%"),
    curve(
      "test-exact",
      "Test exact accuracy during training (EMA weights)",
      "exact accuracy",
      (r) => [
        ...r.tests.map((p) => ({ x: p.samples, y: p.exactAccuracy })),
        // The final evaluation closes the curve at the last sample trained.
        ...(r.tests.some((p) => p.samples === r.fit.samples) ? [] : [{ x: r.fit.samples, y: r.evaluation.exactAccuracy }]),
      ],
      ".0%",
      true,
    ),
  ];
  const rows = runs[0]?.evaluation.rows ?? 0;
  return {
    title: `${runs.map((r) => r.label).join(" vs ")} on ${ctx.task}`,
    subtitle: `${ctx.dataDescription} · ${ctx.budgetDescription} · seed ${ctx.seed} · ${ctx.backend} backend · ${rows} test puzzles`,
    models,
    learningCurves,
    examples: examples(ctx.task, runs, 3),
    settings: [
      ["data", ctx.dataDescription],
      ["budget", ctx.budgetDescription],
      ["seed", String(ctx.seed)],
      ["backend", ctx.backend],
      ...runs.map((r): [string, string] => [`${r.label} preset`, describeArch(r)]),
      ...runs.map((r): [string, string] => [`${r.label} stop`, `${r.fit.status}: ${r.fit.message} (${r.fit.step} optimiser steps)`]),
      ...runs.map((r): [string, string] => [`${r.label} peak process memory`, formatBytes(r.peakRssBytes)]),
      ["command", ctx.command],
    ],
    footer: `Written by trm-compare · ${new Date().toISOString().slice(0, 10)}`,
  };
}

/** `results.json`: the numbers of the report, machine-readable. */
export function buildResults(runs: readonly ModelRun[], ctx: CompareContext): unknown {
  return {
    task: ctx.task,
    data: ctx.dataDescription,
    budget: ctx.budgetDescription,
    seed: ctx.seed,
    backend: ctx.backend,
    command: ctx.command,
    models: runs.map((r) => ({
      label: r.label,
      preset: r.preset,
      arch: r.config.arch,
      global_batch_size: r.config.global_batch_size,
      ...summarize(r),
      peakRssBytes: r.peakRssBytes,
      fit: r.fit,
      evalSeconds: r.evalSeconds,
      testRows: r.evaluation.rows,
      perStep: r.evaluation.curve,
      halting: r.evaluation.halting,
      trainCurve: r.train,
      testCurve: r.tests,
    })),
  };
}
