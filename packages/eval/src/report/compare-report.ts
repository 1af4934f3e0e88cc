import { boardPicture, getTask, IGNORE_LABEL, type Task } from "@trm/data";
import type { EvaluationResult } from "../evaluate-model.js";
import type { SeriesPoint } from "./charts.js";
import type { PuzzleView } from "./puzzle-svg.js";
import {
  formatBytes,
  formatCount,
  formatSeconds,
  type LearningCurve,
  type ModelSummary,
  type PuzzleExample,
  type ReportInput,
  type ReportModel,
  type SetupTable,
} from "./report-html.js";
import { formatSpread, spreadOf, type Spread } from "./seed-stats.js";

// The comparison of two models over several seeds (trm-compare): summaries with spread, the setup table, curves
// without smoothing, and puzzle pictures drawn by the task.

/** What the comparison needs of one trained and evaluated model (`trainAndEvaluate` of @trm/train returns it). */
export interface ComparedRun {
  readonly label: string;
  readonly preset: string;
  readonly seed: number;
  readonly params: number;
  /** The model's resolved architecture in official field names. */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly config: {
    readonly optimizer: string;
    readonly lr: number;
    readonly lr_warmup_steps: number;
    readonly weight_decay: number;
    readonly global_batch_size: number;
    readonly ema: boolean;
    readonly ema_rate: number;
    readonly eval_max_examples?: number | undefined;
  };
  readonly fit: { readonly status: string; readonly message: string; readonly step: number; readonly samples: number; readonly elapsedSeconds: number };
  readonly samplesPerSecond: number;
  readonly peakTensorBytes: number;
  readonly peakRssBytes: number;
  /** Every optimiser step. */
  readonly train: readonly { readonly samples: number; readonly loss: number; readonly exactAccuracy: number }[];
  /** Periodic test evaluations during training. */
  readonly tests: readonly { readonly samples: number; readonly exactAccuracy: number }[];
  /** The final evaluation (all test puzzles, or the limit asked for). */
  readonly evaluation: EvaluationResult;
  readonly evalSeconds: number;
  readonly weights: string;
}

/** One model of the comparison over every seed run (same order of seeds for both models). */
export interface ModelSeries {
  readonly label: string;
  readonly runs: readonly ComparedRun[];
}

/** The numbers of the comparison table for one run. */
export function summarizeRun(run: ComparedRun): ModelSummary {
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

const SPREAD_METRICS = ["exactAccuracy", "tokenAccuracy", "exactAtStep1", "exactAtLastStep", "meanHaltSteps", "trainSeconds", "samplesPerSecond"] as const;
/** Metrics that are fractions: their intervals stay within [0, 1]; the others within [0, ∞). */
const FRACTIONS: ReadonlySet<string> = new Set(["exactAccuracy", "tokenAccuracy", "exactAtStep1", "exactAtLastStep"]);

/** Means over the seeds, with the spread of every metric that varies between seeds. */
export function summarizeSeries(m: ModelSeries): ModelSummary {
  const per = m.runs.map(summarizeRun);
  const first = per[0];
  if (first === undefined) throw new Error(`${m.label}: no runs to summarise`);
  const spread: Partial<Record<(typeof SPREAD_METRICS)[number], Spread>> = {};
  for (const k of SPREAD_METRICS) spread[k] = spreadOf(per.map((s) => s[k]), FRACTIONS.has(k) ? [0, 1] : [0, Infinity]);
  const mean = (k: (typeof SPREAD_METRICS)[number]): number => spread[k]?.mean ?? first[k];
  return {
    params: first.params,
    trainSeconds: mean("trainSeconds"),
    samplesPerSecond: mean("samplesPerSecond"),
    exactAccuracy: mean("exactAccuracy"),
    tokenAccuracy: mean("tokenAccuracy"),
    exactAtStep1: mean("exactAtStep1"),
    exactAtLastStep: mean("exactAtLastStep"),
    meanHaltSteps: mean("meanHaltSteps"),
    peakMemoryBytes: Math.max(...per.map((s) => s.peakMemoryBytes ?? 0)),
    spread,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The comparison as a plain-text table for the terminal: means, with the range over seeds. */
export function formatComparisonTable(series: readonly ModelSeries[]): string {
  const s = series.map(summarizeSeries);
  const seeds = series[0]?.runs.length ?? 0;
  const cell = (x: ModelSummary, k: (typeof SPREAD_METRICS)[number], f: (v: number) => string): string => {
    const sp = x.spread?.[k];
    return sp === undefined || sp.n < 2 ? f(x[k]) : `${f(sp.mean)} (${f(sp.min)}..${f(sp.max)})`;
  };
  const rows: [string, ...string[]][] = [
    [seeds > 1 ? `mean (min..max) over ${seeds} seeds` : "", ...series.map((r) => r.label)],
    ["trainable params", ...s.map((x) => formatCount(x.params))],
    ["test exact accuracy", ...s.map((x) => cell(x, "exactAccuracy", pct))],
    ["  95% interval", ...s.map((x) => { const sp = x.spread?.exactAccuracy; return sp === undefined || sp.n < 2 ? "-" : `${pct(sp.lo)}..${pct(sp.hi)}`; })],
    ["test token accuracy", ...s.map((x) => cell(x, "tokenAccuracy", pct))],
    ["exact @ step 1", ...s.map((x) => cell(x, "exactAtStep1", pct))],
    ["exact @ last step", ...s.map((x) => cell(x, "exactAtLastStep", pct))],
    ["mean halting steps", ...s.map((x) => cell(x, "meanHaltSteps", (v) => v.toFixed(2)))],
    ["train time", ...s.map((x) => cell(x, "trainSeconds", formatSeconds))],
    ["samples/s", ...s.map((x) => cell(x, "samplesPerSecond", (v) => v.toFixed(1)))],
    ["peak tensor memory", ...s.map((x) => formatBytes(x.peakMemoryBytes))],
    ["test puzzles", ...series.map((r) => String(r.runs[0]?.evaluation.rows ?? 0))],
  ];
  const header = rows[0] ?? [""];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("   ");
  const sep = widths.map((w) => "-".repeat(w)).join("   ");
  return [line(header), sep, ...rows.slice(1).map(line)].join("\n");
}

/** Whether `row` of the run's kept rows is fully right at snapshot `snapIndex`. */
function exactAt(run: ComparedRun, snapIndex: number, row: number): boolean {
  const k = run.evaluation.kept;
  const snap = k.snapshots[snapIndex];
  const L = run.evaluation.seqLen;
  if (!snap) return false;
  for (let i = row * L; i < (row + 1) * L; i++) {
    const label = k.labels[i] ?? IGNORE_LABEL;
    if (label !== IGNORE_LABEL && snap.tokens[i] !== label) return false;
  }
  return true;
}

/**
 * Picks test puzzles worth looking at: first those where the models' final answers differ in correctness, then ones
 * some model gets wrong at step 1 and right at the end (so refinement shows), then the rest, up to `count`.
 */
function pickExamples(runs: readonly ComparedRun[], count: number): number[] {
  const kept = Math.min(...runs.map((r) => r.evaluation.kept.rows));
  if (!Number.isFinite(kept) || kept <= 0) return [];
  const last = (r: ComparedRun) => r.evaluation.kept.snapshots.length - 1;
  const score = (row: number): number => {
    const finals = runs.map((r) => exactAt(r, last(r), row));
    const differ = finals.some((f) => f !== finals[0]);
    const refined = runs.some((r) => !exactAt(r, 0, row) && exactAt(r, last(r), row));
    return (differ ? 2 : 0) + (refined ? 1 : 0);
  };
  return Array.from({ length: kept }, (_, i) => i)
    .sort((a, b) => score(b) - score(a) || a - b)
    .slice(0, count);
}

/** Puzzle pictures of the first seed's runs, drawn by the task's own `picture` (any registered task has one). */
export function comparisonExamples(task: Pick<Task, "picture">, runs: readonly ComparedRun[], count: number): PuzzleExample[] {
  const first = runs[0];
  if (first === undefined) return [];
  const L = first.evaluation.seqLen;
  const view = (tokens: ArrayLike<number>): PuzzleView => boardPicture(task, tokens);
  return pickExamples(runs, count).map((row) => {
    const slice = (a: Int32Array) => a.subarray(row * L, (row + 1) * L);
    return {
      title: `Test puzzle ${row + 1} (seed ${first.seed})`,
      input: view(slice(first.evaluation.kept.inputs)),
      target: view(slice(first.evaluation.kept.labels)),
      answers: runs.map((r) => ({
        model: r.label,
        steps: r.evaluation.kept.snapshots.map((s) => ({ step: s.step, view: view(s.tokens.subarray(row * L, (row + 1) * L)) })),
      })),
    };
  });
}

/** Mean, lowest and highest of `values` as a chart point with a band. */
function band(model: string, x: number, values: readonly number[]): SeriesPoint {
  const s = spreadOf(values);
  return values.length > 1 ? { model, x, y: s.mean, lo: s.min, hi: s.max } : { model, x, y: s.mean };
}

/** Per x, the values of every seed that has a point there, as a mean line with a min..max band. No smoothing. */
function acrossSeeds<T>(label: string, runs: readonly ComparedRun[], points: (r: ComparedRun) => readonly T[], x: (p: T) => number, y: (p: T) => number): SeriesPoint[] {
  const byX = new Map<number, number[]>();
  for (const r of runs) {
    for (const p of points(r)) {
      const v = y(p);
      if (!Number.isFinite(v)) continue;
      const list = byX.get(x(p)) ?? [];
      list.push(v);
      byX.set(x(p), list);
    }
  }
  return [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([xv, vs]) => band(label, xv, vs));
}

/** A compact description of how the model mixes tokens. */
function mixer(c: Readonly<Record<string, unknown>>): string {
  return c.mlp_t === true ? "token-mixing MLP (mlp_t)" : `self-attention, ${String(c.num_heads)} heads`;
}

/** The two models' settings side by side, from the resolved configs, plus what both share. */
export function setupTable(series: readonly ModelSeries[], ctx: ComparisonContext): SetupTable {
  const first = series.map((m) => m.runs[0]);
  const col = (f: (r: ComparedRun) => string): string[] => first.map((r) => (r === undefined ? "" : f(r)));
  const a = (r: ComparedRun) => r.modelConfig;
  const rows: { name: string; values: string[] }[] = [
    { name: "model", values: col((r) => (a(r).model === "hrm" ? "HRM (hierarchy: f_L fast, f_H slow)" : "TRM (one network, recursion)")) },
    { name: "preset", values: col((r) => r.preset) },
    { name: "token mixer", values: col((r) => mixer(a(r))) },
    { name: "positions", values: col((r) => String(a(r).pos_encodings)) },
    { name: "hidden size", values: col((r) => String(a(r).hidden_size)) },
    { name: "expansion", values: col((r) => String(a(r).expansion)) },
    {
      name: "blocks",
      values: col((r) => (a(r).model === "hrm" ? `${String(a(r).H_layers)} (f_H) + ${String(a(r).L_layers)} (f_L)` : `${String(a(r).L_layers)} (one net)`)),
    },
    {
      name: "recursion per supervision step",
      values: col((r) =>
        a(r).model === "hrm"
          ? `H_cycles ${String(a(r).H_cycles)} × L_cycles ${String(a(r).L_cycles)}`
          : `T = ${String(a(r).H_cycles)}, n = ${String(a(r).L_cycles)}`,
      ),
    },
    { name: "supervision steps (N_sup)", values: col((r) => String(a(r).halt_max_steps)) },
    { name: "puzzle embedding", values: col((r) => `${String(a(r).puzzle_emb_ndim)} wide, ${String(a(r).puzzle_emb_len)} positions`) },
    { name: "trainable parameters", values: col((r) => `${formatCount(r.params)} (${r.params})`) },
    {
      name: "optimiser",
      values: col((r) => `${r.config.optimizer}, lr ${r.config.lr}, warm-up ${r.config.lr_warmup_steps}, weight decay ${r.config.weight_decay}`),
    },
    { name: "batch", values: col((r) => String(r.config.global_batch_size)) },
    { name: "EMA", values: col((r) => (r.config.ema ? `rate ${r.config.ema_rate}` : "off")) },
    { name: "evaluated weights", values: col((r) => r.weights) },
  ];
  const params = first.flatMap((r) => (r === undefined ? [] : [r.params]));
  const ratio = params.length === 2 ? Math.max(...params) / Math.min(...params) - 1 : 0;
  const notes = [
    `Budget: ${ctx.budgetDescription}, the same for both. Data: ${ctx.dataDescription}. Seeds: ${ctx.seeds.join(", ")} (each seed sets initialisation and sampling${ctx.generated ? ", and generates its own data" : ""}; both models see the same data per seed).`,
    `Parameters differ by ${(100 * ratio).toFixed(1)}%${ratio > 0.1 ? " (more than 10%: not a like-for-like size)" : ""}.`,
    `Pairing "${ctx.pairing}": ${ctx.pairingDescription}.`,
    ...(ctx.caveat === null ? [] : [ctx.caveat]),
  ];
  return { rows, notes };
}

export interface ComparisonContext {
  readonly task: string;
  readonly dataDescription: string;
  readonly budgetDescription: string;
  readonly seeds: readonly number[];
  /** True when each seed generated its own data. */
  readonly generated: boolean;
  readonly pairing: string;
  readonly pairingDescription: string;
  readonly caveat: string | null;
  readonly scenario: string;
  readonly backend: string;
  readonly command: string;
}

/** The report's input from every seed's runs. */
export function buildComparisonReport(series: readonly ModelSeries[], ctx: ComparisonContext, task: Pick<Task, "picture"> = getTask(ctx.task)): ReportInput {
  const models: ReportModel[] = series.map((m) => {
    const runs = m.runs;
    const steps = Math.max(...runs.map((r) => r.evaluation.curve.length));
    return {
      label: m.label,
      description: `${runs[0]?.preset ?? ""}, ${runs.length} seed${runs.length === 1 ? "" : "s"}`,
      summary: summarizeSeries(m),
      curve: Array.from({ length: steps }, (_, i) => {
        const exact = runs.map((r) => r.evaluation.curve[i]?.exactAccuracy ?? Number.NaN).filter(Number.isFinite);
        const token = runs.map((r) => r.evaluation.curve[i]?.tokenAccuracy ?? Number.NaN).filter(Number.isFinite);
        const e = spreadOf(exact);
        return { step: i + 1, exactAccuracy: e.mean, tokenAccuracy: spreadOf(token).mean, ...(exact.length > 1 ? { exactLo: e.min, exactHi: e.max } : {}) };
      }),
      haltingHistogram: runs.reduce<number[]>((acc, r) => {
        r.evaluation.halting.histogram.forEach((n, i) => (acc[i] = (acc[i] ?? 0) + n));
        return acc;
      }, []),
    };
  });
  const maxSamples = Math.max(1, ...series.flatMap((m) => m.runs.map((r) => r.fit.samples)));
  const xDomain: [number, number] = [0, maxSamples];
  const seedsNote = (ctx.seeds.length > 1 ? `Line: mean over ${ctx.seeds.length} seeds; band: lowest to highest seed. ` : "");
  const xTitle = "training samples (sample × supervision step)";
  const testRows = series[0]?.runs[0]?.evaluation.rows ?? 0;
  const periodicRows = series[0]?.runs[0]?.tests.length ? (series[0]?.runs[0]?.config.eval_max_examples ?? testRows) : testRows;
  const learningCurves: LearningCurve[] = [
    {
      id: "loss",
      title: "Training loss, every optimiser step",
      xTitle,
      yTitle: "loss (lm + 0.5 · q)",
      xDomain,
      note: `${seedsNote}Every step is plotted; nothing is smoothed.`,
      points: series.flatMap((m) => acrossSeeds(m.label, m.runs, (r) => r.train, (p) => p.samples, (p) => p.loss)),
    },
    {
      id: "train-exact",
      title: "Training exact accuracy (rows halted at that step)",
      xTitle,
      yTitle: "exact accuracy",
      yFormat: ".0%",
      yDomain: [0, 1],
      xDomain,
      note: `${seedsNote}Every step is plotted; a step where no row halted has no point.`,
      points: series.flatMap((m) => acrossSeeds(m.label, m.runs, (r) => r.train, (p) => p.samples, (p) => p.exactAccuracy)),
    },
    {
      id: "test-exact",
      title: "Test exact accuracy during training (EMA weights)",
      xTitle,
      yTitle: "exact accuracy",
      yFormat: ".0%",
      yDomain: [0, 1],
      xDomain,
      markers: true,
      note:
        `${seedsNote}Every evaluation is a point. Points during training score the first ${Math.min(periodicRows, testRows)} test puzzles; ` +
        `the last point of each line is the final evaluation of all ${testRows} test puzzles, the number in the table.`,
      points: series.flatMap((m) => {
        const during = acrossSeeds(
          m.label,
          m.runs,
          (r) => r.tests.filter((p) => p.samples < r.fit.samples),
          (p) => p.samples,
          (p) => p.exactAccuracy,
        );
        const finalX = Math.max(...m.runs.map((r) => r.fit.samples));
        return [...during, band(m.label, finalX, m.runs.map((r) => r.evaluation.exactAccuracy))];
      }),
    },
  ];
  const seedText = ctx.seeds.length === 1 ? `seed ${ctx.seeds[0]}` : `${ctx.seeds.length} seeds (${ctx.seeds.join(", ")})`;
  return {
    title: `${series.map((r) => r.label).join(" vs ")} on ${ctx.scenario === "" ? ctx.task : ctx.scenario}`,
    subtitle: `${ctx.dataDescription} · ${ctx.budgetDescription} · ${seedText} · ${ctx.backend} backend · ${testRows} test puzzles`,
    setup: setupTable(series, ctx),
    models,
    learningCurves,
    examples: comparisonExamples(task, series.map((m) => m.runs[0]).filter((r): r is ComparedRun => r !== undefined), 3),
    settings: [
      ["scenario", ctx.scenario],
      ["pairing", ctx.pairing],
      ["data", ctx.dataDescription],
      ["budget", ctx.budgetDescription],
      ["seeds", ctx.seeds.join(", ")],
      ["backend", ctx.backend],
      ...series.flatMap((m) =>
        m.runs.map((r): [string, string] => [
          `${m.label} seed ${r.seed}`,
          `${pct(r.evaluation.exactAccuracy)} exact; ${r.fit.status}: ${r.fit.message} (${r.fit.step} optimiser steps, ${formatSeconds(r.fit.elapsedSeconds)}, peak process memory ${formatBytes(r.peakRssBytes)})`,
        ]),
      ),
      ["command", ctx.command],
    ],
    footer: `Written by trm-compare · ${new Date().toISOString().slice(0, 10)}`,
  };
}

/** `results.json`: the numbers of the report, machine-readable, per model and per seed. */
export function buildComparisonResults(series: readonly ModelSeries[], ctx: ComparisonContext): unknown {
  return {
    scenario: ctx.scenario,
    pairing: ctx.pairing,
    caveat: ctx.caveat,
    task: ctx.task,
    data: ctx.dataDescription,
    budget: ctx.budgetDescription,
    seeds: ctx.seeds,
    backend: ctx.backend,
    command: ctx.command,
    models: series.map((m) => {
      const s = summarizeSeries(m);
      return {
        label: m.label,
        preset: m.runs[0]?.preset,
        params: s.params,
        arch: m.runs[0]?.modelConfig,
        summary: s,
        exactAccuracy: s.spread?.exactAccuracy === undefined ? null : formatSpread(s.spread.exactAccuracy, pct),
        seeds: m.runs.map((r) => ({
          seed: r.seed,
          ...summarizeRun(r),
          testRows: r.evaluation.rows,
          weights: r.weights,
          perStep: r.evaluation.curve,
          halting: r.evaluation.halting,
          fit: r.fit,
          evalSeconds: r.evalSeconds,
          tests: r.tests,
        })),
      };
    }),
  };
}
