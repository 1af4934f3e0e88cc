import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { haltingChartSpec, lineChartSpec, refinementChartSpec, renderChart } from "./charts.js";
import type { ModelColours, SeriesPoint } from "./charts.js";
import { modelColour } from "./palette.js";
import { drawPuzzle, wrongCells } from "./puzzle-svg.js";
import type { PuzzleView } from "./puzzle-svg.js";
import { formatSpread, intervalsOverlap, type Spread } from "./seed-stats.js";

/** The numbers of one model in the comparison table. Null where not measured. */
export interface ModelSummary {
  readonly params: number;
  readonly trainSeconds: number;
  /** Training throughput: examples × supervision steps per second. */
  readonly samplesPerSecond: number;
  readonly exactAccuracy: number;
  readonly tokenAccuracy: number;
  readonly exactAtStep1: number;
  readonly exactAtLastStep: number;
  readonly meanHaltSteps: number;
  readonly peakMemoryBytes: number | null;
  /** Over several seeds: the spread of each metric (the fields above are then the means). */
  readonly spread?: Partial<Record<SpreadMetric, Spread>>;
}

/** The metrics of {@link ModelSummary} that can carry a spread over seeds. */
export type SpreadMetric = "exactAccuracy" | "tokenAccuracy" | "exactAtStep1" | "exactAtLastStep" | "meanHaltSteps" | "trainSeconds" | "samplesPerSecond";

/** One learning curve (e.g. training loss against samples), one series per model. */
export interface LearningCurve {
  /** File-safe id, used for the SVG file name. */
  readonly id: string;
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Axis format (d3-format), e.g. ".0%" for accuracies. */
  readonly yFormat?: string;
  readonly yDomain?: [number, number];
  /** Draw a marker at every point (for sparse series such as periodic evaluations). */
  readonly markers?: boolean;
  /** The x axis range; give every curve of a report the same one so their axes agree. */
  readonly xDomain?: [number, number];
  /** A line under the chart, e.g. which evaluation its points come from. */
  readonly note?: string;
  /** Points with `lo`/`hi` draw a band (e.g. the range over seeds) around the line. */
  readonly points: readonly SeriesPoint[];
}

export interface ReportModel {
  /** Short label, e.g. "TRM" or "HRM": it keys colours, legends and table columns. */
  readonly label: string;
  /** One line saying what it is, e.g. "2 layers, T=3, n=6, hidden 64". */
  readonly description?: string;
  readonly summary: ModelSummary;
  /** Exact and token accuracy after each supervision step, from `evaluateModel`. */
  readonly curve: readonly {
    readonly step: number;
    readonly exactAccuracy: number;
    readonly tokenAccuracy: number;
    /** Over seeds: the lowest and highest exact accuracy at this step (the band around the mean). */
    readonly exactLo?: number;
    readonly exactHi?: number;
  }[];
  /** Rows per halting step (index 0 = step 1), from `evaluateModel`'s halting stats. */
  readonly haltingHistogram: readonly number[];
}

/** One puzzle drawn with each model's answer after several supervision steps. */
export interface PuzzleExample {
  readonly title: string;
  readonly input: PuzzleView;
  readonly target: PuzzleView;
  /** Per model (by label), its answer at each chosen step, in step order. */
  readonly answers: readonly { readonly model: string; readonly steps: readonly { readonly step: number; readonly view: PuzzleView }[] }[];
}

/** The models' settings side by side; rows whose values differ are marked. */
export interface SetupTable {
  readonly rows: readonly { readonly name: string; readonly values: readonly string[] }[];
  /** Lines under the table (e.g. the budget, or that one model is an ablation). */
  readonly notes?: readonly string[];
}

export interface ReportInput {
  readonly title: string;
  /** What the models are and what differs between them, shown first. */
  readonly setup?: SetupTable;
  /** One line under the title, e.g. the dataset and budget. */
  readonly subtitle?: string;
  /** The headline; derived from exact accuracy when absent. */
  readonly verdict?: string;
  readonly models: readonly ReportModel[];
  readonly learningCurves?: readonly LearningCurve[];
  readonly examples?: readonly PuzzleExample[];
  /** Settings shared by both runs, shown as a key/value table. */
  readonly settings?: readonly (readonly [string, string])[];
  /** Extra sections of plain text paragraphs (e.g. ARC scores). */
  readonly notes?: readonly { readonly title: string; readonly paragraphs: readonly string[] }[];
  /** Footer line, e.g. the command that produced the report. */
  readonly footer?: string;
}

export interface RenderedReport {
  readonly html: string;
  /** Chart SVGs by file-safe name (also inlined in the HTML). */
  readonly charts: ReadonlyMap<string, string>;
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatBytes(n: number | null): string {
  if (n === null) return "n/a";
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 10).toFixed(0)} KiB`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/**
 * The headline from exact accuracy. Over several seeds it compares the 95% intervals of the means and says "no clear
 * difference" when they overlap.
 */
export function defaultVerdict(models: readonly ReportModel[]): string {
  if (models.length === 0) return "No models were evaluated.";
  const ranked = [...models].sort((a, b) => b.summary.exactAccuracy - a.summary.exactAccuracy);
  const [best, second] = ranked as [ReportModel, ReportModel | undefined];
  if (second === undefined) return `${best.label}: ${pct(best.summary.exactAccuracy)} exact accuracy on the test set.`;
  const gap = best.summary.exactAccuracy - second.summary.exactAccuracy;
  const a = best.summary.spread?.exactAccuracy;
  const b = second.summary.spread?.exactAccuracy;
  if (a !== undefined && b !== undefined && a.n > 1 && b.n > 1) {
    const both = `${best.label} ${pct(a.mean)} (95% interval ${pct(a.lo)}..${pct(a.hi)}), ${second.label} ${pct(b.mean)} (${pct(b.lo)}..${pct(b.hi)})`;
    const seeds = a.n === b.n ? `${a.n} seeds` : `${a.n} and ${b.n} seeds`;
    if (intervalsOverlap(a, b)) return `No clear difference over ${seeds}: test exact accuracy ${both}; the intervals overlap.`;
    return `${best.label} solves more test puzzles exactly over ${seeds}: ${both}, +${(100 * gap).toFixed(1)} points; the intervals do not overlap.`;
  }
  if (gap === 0) {
    const tok = [...models].sort((x, y) => y.summary.tokenAccuracy - x.summary.tokenAccuracy);
    const [t0, t1] = tok as [ReportModel, ReportModel];
    return `${best.label} and ${second.label} tie at ${pct(best.summary.exactAccuracy)} exact accuracy; ${t0.label} leads on token accuracy (${pct(t0.summary.tokenAccuracy)} vs ${pct(t1.summary.tokenAccuracy)}).`;
  }
  return `${best.label} solves ${pct(best.summary.exactAccuracy)} of test puzzles exactly, ${second.label} ${pct(second.summary.exactAccuracy)} (+${(100 * gap).toFixed(1)} points, one seed).`;
}

interface Row {
  readonly name: string;
  readonly values: readonly number[];
  readonly format: (x: number) => string;
  /** Which value is better, to highlight; null for no highlight. */
  readonly better: "high" | "low" | null;
  /** Raw values might be null (not measured). */
  readonly missing?: readonly boolean[];
  /** Over seeds: shown under the mean; the best is highlighted only when the intervals do not overlap. */
  readonly spreads?: readonly (Spread | undefined)[];
}

function comparisonTable(models: readonly ReportModel[]): string {
  const s = models.map((m) => m.summary);
  const lastStep = models[0]?.curve.length ?? 16;
  const rows: Row[] = [
    { name: "Test exact accuracy", values: s.map((x) => x.exactAccuracy), spreads: s.map((x) => x.spread?.exactAccuracy), format: pct, better: "high" },
    { name: "Test token accuracy", values: s.map((x) => x.tokenAccuracy), spreads: s.map((x) => x.spread?.tokenAccuracy), format: pct, better: "high" },
    { name: "Exact accuracy at step 1", values: s.map((x) => x.exactAtStep1), spreads: s.map((x) => x.spread?.exactAtStep1), format: pct, better: "high" },
    { name: `Exact accuracy at step ${lastStep}`, values: s.map((x) => x.exactAtLastStep), spreads: s.map((x) => x.spread?.exactAtLastStep), format: pct, better: "high" },
    { name: "Mean halting step", values: s.map((x) => x.meanHaltSteps), spreads: s.map((x) => x.spread?.meanHaltSteps), format: (x) => x.toFixed(2), better: null },
    { name: "Trainable parameters", values: s.map((x) => x.params), format: formatCount, better: null },
    { name: "Train time", values: s.map((x) => x.trainSeconds), spreads: s.map((x) => x.spread?.trainSeconds), format: formatSeconds, better: null },
    { name: "Samples / s", values: s.map((x) => x.samplesPerSecond), spreads: s.map((x) => x.spread?.samplesPerSecond), format: (x) => x.toFixed(1), better: "high" },
    {
      name: "Peak memory",
      values: s.map((x) => x.peakMemoryBytes ?? 0),
      missing: s.map((x) => x.peakMemoryBytes === null),
      format: (x) => formatBytes(x),
      better: null,
    },
  ];
  const head = `<tr><th scope="col">Metric</th>${models
    .map((m, i) => `<th scope="col"><span class="swatch" style="background:${modelColour(m.label, i)}"></span>${esc(m.label)}</th>`)
    .join("")}</tr>`;
  const body = rows
    .map((row) => {
      const best =
        row.better === null || models.length < 2
          ? null
          : row.better === "high"
            ? Math.max(...row.values)
            : Math.min(...row.values);
      const spreads = row.spreads ?? [];
      const multi = spreads.length > 0 && spreads.every((x) => x !== undefined && x.n > 1);
      const bestIndex = row.values.indexOf(best ?? Number.NaN);
      const separate =
        !multi || spreads.every((x, i) => i === bestIndex || x === undefined || spreads[bestIndex] === undefined || !intervalsOverlap(x, spreads[bestIndex]));
      const unique = best !== null && separate && row.values.filter((v) => v === best).length === 1;
      const cells = row.values
        .map((v, i) => {
          const text = row.missing?.[i] === true ? "n/a" : row.format(v);
          const sp = spreads[i];
          const detail =
            sp === undefined || sp.n < 2
              ? ""
              : `<div class="spread">range ${esc(row.format(sp.min))}..${esc(row.format(sp.max))}<br>95% interval ${esc(row.format(sp.lo))}..${esc(row.format(sp.hi))}</div>`;
          return `<td class="${unique && v === best ? "best" : ""}">${esc(text)}${detail}</td>`;
        })
        .join("");
      return `<tr><th scope="row">${esc(row.name)}</th>${cells}</tr>`;
    })
    .join("");
  return `<table class="compare"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function summaryCards(models: readonly ReportModel[]): string {
  return models
    .map((m, i) => {
      const colour = modelColour(m.label, i);
      const s = m.summary;
      return `<div class="card" style="border-top-color:${colour}">
  <div class="card-label" style="color:${colour}">${esc(m.label)}</div>
  <div class="card-value">${pct(s.exactAccuracy)}</div>
  <div class="card-caption">test puzzles solved exactly${
    s.spread?.exactAccuracy !== undefined && s.spread.exactAccuracy.n > 1
      ? ` (mean of ${s.spread.exactAccuracy.n} seeds; ${esc(formatSpread(s.spread.exactAccuracy, pct).replace(/^[^(]*\(/, "").replace(/\)$/, ""))})`
      : ""
  }</div>
  <div class="card-detail">${pct(s.tokenAccuracy)} of cells right · ${formatCount(s.params)} params · ${formatSeconds(s.trainSeconds)}</div>
  ${m.description === undefined ? "" : `<div class="card-desc">${esc(m.description)}</div>`}
</div>`;
    })
    .join("\n");
}

function exampleBlock(ex: PuzzleExample, models: readonly ReportModel[]): string {
  const labelled = (svg: string, label: string, cls = ""): string =>
    `<figure class="board-fig ${cls}">${svg}<figcaption>${esc(label)}</figcaption></figure>`;
  const givens = ex.input.kind === "digits" ? ex.input : undefined;
  const rows = ex.answers
    .map((a) => {
      const i = models.findIndex((m) => m.label === a.model);
      const colour = modelColour(a.model, Math.max(0, i));
      const figs = a.steps
        .map((st) => {
          const wrong = wrongCells(st.view, ex.target);
          const nWrong = wrong === null ? 0 : wrong.reduce((n, v) => n + v, 0);
          const verdict = nWrong === 0 ? "✓" : `${nWrong} wrong`;
          return labelled(
            drawPuzzle(st.view, {
              target: ex.target,
              accent: colour,
              ...(givens ? { givens } : {}),
              label: `${a.model} answer after step ${st.step}`,
            }),
            `step ${st.step} · ${verdict}`,
            nWrong === 0 ? "ok" : "bad",
          );
        })
        .join("");
      return `<div class="answer-row"><div class="answer-model" style="color:${colour}">${esc(a.model)}</div><div class="boards">${figs}</div></div>`;
    })
    .join("");
  const inputFig = labelled(drawPuzzle(ex.input, { ...(givens ? { givens } : {}), label: "input" }), "input");
  const targetFig = labelled(
    drawPuzzle(ex.target, { ...(givens ? { givens } : {}), accent: "#0f766e", label: "target" }),
    "target",
  );
  return `<div class="example"><h3>${esc(ex.title)}</h3><div class="example-grid"><div class="boards fixed">${inputFig}${targetFig}</div><div class="answers">${rows}</div></div></div>`;
}

function setupSection(setup: SetupTable, models: readonly ReportModel[]): string {
  const head = `<tr><th scope="col">Setting</th>${models
    .map((m, i) => `<th scope="col"><span class="swatch" style="background:${modelColour(m.label, i)}"></span>${esc(m.label)}</th>`)
    .join("")}<th scope="col"></th></tr>`;
  const body = setup.rows
    .map((r) => {
      const differs = new Set(r.values).size > 1;
      return `<tr class="${differs ? "differs" : ""}"><th scope="row">${esc(r.name)}</th>${r.values.map((v) => `<td>${esc(v)}</td>`).join("")}<td class="tag">${differs ? "differs" : "same"}</td></tr>`;
    })
    .join("");
  const notes = (setup.notes ?? []).map((n) => `<p class="setup-note">${esc(n)}</p>`).join("");
  return `<section id="setup"><h2>What is compared</h2><p class="lead">The two models side by side; rows that differ are highlighted.</p><table class="setup"><thead>${head}</thead><tbody>${body}</tbody></table>${notes}</section>`;
}

const CSS = `
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.55 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 0 28px 48px; }
header.top { background: linear-gradient(135deg,#0f172a,#1e293b); color:#f8fafc; padding: 36px 0 32px; margin-bottom: 28px; }
header.top .inner { max-width:1180px; margin:0 auto; padding:0 28px; }
header.top h1 { margin:0 0 6px; font-size: 28px; letter-spacing:-0.01em; }
header.top .subtitle { color:#cbd5e1; margin:0 0 18px; }
header.top .verdict { font-size: 20px; font-weight: 600; background: rgba(255,255,255,0.08); border-left: 4px solid #38bdf8;
  padding: 12px 16px; border-radius: 6px; margin:0; }
section { background:#fff; border:1px solid var(--line); border-radius: 10px; padding: 22px 24px; margin: 0 0 22px; }
section h2 { margin: 0 0 14px; font-size: 18px; }
section p.lead { color: var(--muted); margin: -6px 0 16px; }
.cards { display:flex; gap:16px; flex-wrap:wrap; }
.card { flex:1 1 240px; border:1px solid var(--line); border-top:4px solid; border-radius:8px; padding:14px 18px; background:#fff; }
.card-label { font-weight:700; letter-spacing:0.04em; }
.card-value { font-size: 34px; font-weight: 700; line-height:1.15; font-variant-numeric: tabular-nums; }
.card-caption { color: var(--muted); font-size: 13px; }
.card-detail { margin-top: 8px; font-size: 13px; font-variant-numeric: tabular-nums; }
.card-desc { margin-top: 4px; font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 8px 12px; border-bottom: 1px solid var(--line); text-align: right; }
th[scope=row], thead th:first-child { text-align: left; font-weight: 500; color: #334155; }
thead th { font-weight: 700; border-bottom: 2px solid #cbd5e1; }
td.best { font-weight: 700; background: #f0fdf4; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align: baseline; }
table.settings td { text-align:left; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 18px; }
.chart svg { max-width: 100%; height: auto; }
.example { border-top: 1px solid var(--line); padding-top: 14px; margin-top: 14px; }
.example:first-of-type { border-top: none; margin-top: 0; padding-top: 0; }
.example h3 { margin: 0 0 10px; font-size: 15px; }
.example-grid { display:flex; gap: 28px; align-items:flex-start; flex-wrap: wrap; }
.boards { display:flex; gap: 12px; flex-wrap: wrap; align-items:flex-end; }
.boards.fixed { padding-right: 24px; border-right: 1px dashed #cbd5e1; }
.answer-row { display:flex; align-items:center; gap: 12px; margin-bottom: 10px; }
.answer-model { width: 44px; font-weight: 700; }
figure.board-fig { margin:0; text-align:center; }
figure.board-fig figcaption { font-size: 12px; color: var(--muted); margin-top: 3px; font-variant-numeric: tabular-nums; }
figure.board-fig.ok figcaption { color: #15803d; }
figure.board-fig.bad figcaption { color: #b91c1c; }
.legend-note { font-size: 13px; color: var(--muted); }
.spread { font-size: 11px; color: var(--muted); font-weight: 400; }
table.setup td { text-align: left; }
table.setup tr.differs th, table.setup tr.differs td { background: #fef9c3; font-weight: 600; }
table.setup td.tag { color: var(--muted); font-size: 12px; }
p.setup-note { margin: 10px 0 0; }
p.chart-note { font-size: 12px; color: var(--muted); margin: 4px 0 0; max-width: 460px; }
footer { color: var(--muted); font-size: 12px; text-align:center; margin-top: 24px; }
`;

/** Builds the self-contained report: inline CSS and SVG only, no script, no external resource. */
export async function renderReport(input: ReportInput): Promise<RenderedReport> {
  const colours: ModelColours = {
    models: input.models.map((m) => m.label),
    colours: input.models.map((m, i) => modelColour(m.label, i)),
  };
  const charts = new Map<string, string>();
  for (const c of input.learningCurves ?? []) {
    charts.set(
      `learning-${c.id}`,
      await renderChart(
        lineChartSpec(c.points, colours, {
          title: c.title,
          xTitle: c.xTitle,
          yTitle: c.yTitle,
          ...(c.yFormat === undefined ? {} : { yFormat: c.yFormat }),
          ...(c.yDomain === undefined ? {} : { yDomain: c.yDomain }),
          ...(c.xDomain === undefined ? {} : { xDomain: c.xDomain }),
          ...(c.markers === true ? { points: true } : {}),
        }),
      ),
    );
  }
  const steps = Math.max(1, ...input.models.map((m) => m.curve.length));
  charts.set(
    "refinement",
    await renderChart(
      refinementChartSpec(
        input.models.flatMap((m) =>
          m.curve.map((p) => ({ model: m.label, x: p.step, y: p.exactAccuracy, ...(p.exactLo === undefined || p.exactHi === undefined ? {} : { lo: p.exactLo, hi: p.exactHi }) })),
        ),
        colours,
        steps,
      ),
    ),
  );
  charts.set(
    "halting",
    await renderChart(
      haltingChartSpec(
        input.models.flatMap((m) => {
          const total = m.haltingHistogram.reduce((a, b) => a + b, 0);
          return m.haltingHistogram.map((n, i) => ({ model: m.label, x: i + 1, y: total === 0 ? 0 : n / total }));
        }),
        colours,
        steps,
      ),
    ),
  );

  const chartFig = (name: string): string => `<div class="chart" id="chart-${name}">${charts.get(name) ?? ""}</div>`;
  const learning = (input.learningCurves ?? [])
    .map((c) => `${chartFig(`learning-${c.id}`)}${c.note === undefined ? "" : `<p class="chart-note">${esc(c.note)}</p>`}`)
    .map((html) => `<div>${html}</div>`)
    .join("");
  const verdict = input.verdict ?? defaultVerdict(input.models);
  const sections: string[] = [];
  if (input.setup !== undefined) sections.push(setupSection(input.setup, input.models));
  sections.push(`<section id="summary"><h2>Summary</h2><div class="cards">${summaryCards(input.models)}</div></section>`);
  sections.push(
    `<section id="comparison"><h2>Comparison</h2><p class="lead">Same data, budget, seed and evaluation for every model. The better value of a row is highlighted.</p>${comparisonTable(input.models)}</section>`,
  );
  if (learning !== "") {
    sections.push(`<section id="learning"><h2>Learning curves</h2><div class="charts">${learning}</div></section>`);
  }
  sections.push(
    `<section id="recursion"><h2>Refinement and halting</h2><p class="lead">Each supervision step feeds the answer y and latent z back in; the curve shows how often the answer is fully right after each step. The histogram shows where the halting head would have stopped.</p><div class="charts">${chartFig("refinement")}${chartFig("halting")}</div></section>`,
  );
  if ((input.examples ?? []).length > 0) {
    sections.push(
      `<section id="puzzles"><h2>Answers step by step</h2><p class="lead">Each model's answer after supervision steps ${[
        ...new Set((input.examples ?? []).flatMap((e) => e.answers.flatMap((a) => a.steps.map((s) => s.step)))),
      ]
        .sort((a, b) => a - b)
        .join(", ")}, next to the target. Wrong cells are marked in red (a cross, or a red outline for a missing path cell).</p>${(input.examples ?? [])
        .map((e) => exampleBlock(e, input.models))
        .join("")}</section>`,
    );
  }
  for (const n of input.notes ?? []) {
    sections.push(`<section><h2>${esc(n.title)}</h2>${n.paragraphs.map((p) => `<p>${esc(p)}</p>`).join("")}</section>`);
  }
  if ((input.settings ?? []).length > 0) {
    sections.push(
      `<section id="settings"><h2>Settings</h2><table class="settings"><tbody>${(input.settings ?? [])
        .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`)
        .join("")}</tbody></table></section>`,
    );
  }
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="inner">
<h1>${esc(input.title)}</h1>
${input.subtitle === undefined ? "" : `<p class="subtitle">${esc(input.subtitle)}</p>`}
<p class="verdict" id="verdict">${esc(verdict)}</p>
</div></header>
<main>
${sections.join("\n")}
${input.footer === undefined ? "" : `<footer>${esc(input.footer)}</footer>`}
</main>
</body>
</html>
`;
  return { html, charts };
}

/** Writes `text` to `file` through a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Renders and writes `report.html` and `charts/<name>.svg` under `dir`; returns the written paths. */
export async function writeReport(dir: string, input: ReportInput): Promise<{ html: string; charts: string[] }> {
  const rendered = await renderReport(input);
  mkdirSync(join(dir, "charts"), { recursive: true });
  const chartPaths: string[] = [];
  for (const [name, svg] of rendered.charts) {
    const p = join(dir, "charts", `${name}.svg`);
    writeFileAtomic(p, svg);
    chartPaths.push(p);
  }
  const htmlPath = join(dir, "report.html");
  writeFileAtomic(htmlPath, rendered.html);
  return { html: htmlPath, charts: chartPaths };
}
