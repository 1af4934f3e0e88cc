import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

// Charts are vega-lite specs compiled to vega and rendered headless to SVG strings, so the report needs no script.

const FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Shared look: light grid, no chart border, the report's font. */
const CONFIG = {
  font: FONT,
  background: "#ffffff",
  view: { stroke: null },
  axis: {
    labelColor: "#475569",
    titleColor: "#334155",
    titleFontWeight: 600,
    labelFontSize: 11,
    titleFontSize: 12,
    gridColor: "#e2e8f0",
    domainColor: "#94a3b8",
    tickColor: "#94a3b8",
  },
  legend: { labelColor: "#334155", titleColor: "#334155", labelFontSize: 12, orient: "top", title: null },
  title: { color: "#0f172a", fontSize: 14, fontWeight: 600, anchor: "start", offset: 10 },
} as const;

export interface SeriesPoint {
  readonly model: string;
  readonly x: number;
  readonly y: number;
  /** A band around the line at this x (e.g. the lowest and highest seed); both or neither. */
  readonly lo?: number;
  readonly hi?: number;
}

/** A shaded band from `lo` to `hi` per model, under the line, when the points carry one. */
function bandLayer(points: readonly SeriesPoint[], colours: ModelColours): object[] {
  if (!points.some((p) => p.lo !== undefined && p.hi !== undefined)) return [];
  return [
    {
      mark: { type: "area", opacity: 0.18 },
      encoding: {
        y: { field: "lo", type: "quantitative" },
        y2: { field: "hi" },
        color: { field: "model", type: "nominal", scale: colourScale(colours), legend: null },
      },
    },
  ];
}

export interface ModelColours {
  /** Models in legend order. */
  readonly models: readonly string[];
  /** Colour of each, same order. */
  readonly colours: readonly string[];
}

const colourScale = (c: ModelColours) => ({ domain: [...c.models], range: [...c.colours] });

/**
 * Lines per model, e.g. training loss against samples seen: straight segments between the points as given (no
 * smoothing), a band where the points carry `lo`/`hi`.
 */
export function lineChartSpec(
  points: readonly SeriesPoint[],
  colours: ModelColours,
  o: {
    title: string;
    xTitle: string;
    yTitle: string;
    yFormat?: string;
    yDomain?: [number, number];
    xDomain?: [number, number];
    logY?: boolean;
    points?: boolean;
    width?: number;
  },
): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: o.title,
    width: o.width ?? 380,
    height: 220,
    config: CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: o.xTitle,
        axis: { format: "~s", tickCount: 6 },
        ...(o.xDomain ? { scale: { domain: [...o.xDomain], nice: false } } : {}),
      },
      y: {
        field: "y",
        type: "quantitative",
        title: o.yTitle,
        axis: { format: o.yFormat ?? "~g", tickCount: 5 },
        scale: { ...(o.yDomain ? { domain: [...o.yDomain] } : { zero: false }), ...(o.logY === true ? { type: "log" } : {}) },
      },
      color: { field: "model", type: "nominal", scale: colourScale(colours) },
    },
    layer: [
      ...bandLayer(points, colours),
      { mark: { type: "line", strokeWidth: 2.25, point: o.points === true ? { size: 36, filled: true } : false } },
    ],
  } as TopLevelSpec;
}

/** Exact accuracy after each supervision step: the refinement curve (a band where the points carry one). */
export function refinementChartSpec(points: readonly SeriesPoint[], colours: ModelColours, steps: number): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Test exact accuracy after each supervision step",
    width: 380,
    height: 220,
    config: CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: "supervision step",
        scale: { domain: [1, steps], nice: false },
        axis: { values: Array.from({ length: steps }, (_, i) => i + 1), format: "d" },
      },
      y: { field: "y", type: "quantitative", title: "exact accuracy", scale: { domain: [0, 1] }, axis: { format: ".0%" } },
      color: { field: "model", type: "nominal", scale: colourScale(colours) },
    },
    layer: [...bandLayer(points, colours), { mark: { type: "line", strokeWidth: 2.25, point: { size: 40, filled: true } } }],
  } as TopLevelSpec;
}

/** Share of test puzzles per halting step, models side by side. */
export function haltingChartSpec(points: readonly SeriesPoint[], colours: ModelColours, steps: number): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Where the halting head would stop",
    width: 380,
    height: 220,
    config: CONFIG,
    data: { values: points.map((p) => ({ ...p, step: String(p.x) })) },
    mark: { type: "bar", cornerRadiusTopLeft: 2, cornerRadiusTopRight: 2 },
    encoding: {
      x: {
        field: "step",
        type: "ordinal",
        title: "halting step (never halting counts at the last step)",
        sort: Array.from({ length: steps }, (_, i) => String(i + 1)),
        axis: { labelAngle: 0 },
      },
      xOffset: { field: "model", type: "nominal", sort: [...colours.models] },
      y: { field: "y", type: "quantitative", title: "share of test puzzles", axis: { format: ".0%" } },
      color: { field: "model", type: "nominal", scale: colourScale(colours) },
    },
  };
}

/** Renders a vega-lite spec to a standalone SVG string (no browser, no network). */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
