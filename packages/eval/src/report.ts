// The HTML/SVG report (charts through vega and vega-lite, optional peer dependencies), the puzzle drawings and the
// comparison of two models. Kept apart from the main entry so metrics import no vega. Node only (writes files).
export { ARC_PALETTE, MODEL_COLOURS, WRONG_COLOUR, modelColour } from "./report/palette.js";
export { MAZE_TOKENS, drawPuzzle, wrongCells, type DrawOptions, type PuzzleView } from "./report/puzzle-svg.js";
export { haltingChartSpec, lineChartSpec, refinementChartSpec, renderChart, type ModelColours, type SeriesPoint } from "./report/charts.js";
export {
  defaultVerdict,
  formatBytes,
  formatCount,
  formatSeconds,
  renderReport,
  writeFileAtomic,
  writeReport,
  type LearningCurve,
  type ModelSummary,
  type PuzzleExample,
  type RenderedReport,
  type SetupTable,
  type SpreadMetric,
  type ReportInput,
  type ReportModel,
} from "./report/report-html.js";
export { formatSpread, intervalsOverlap, spreadOf, type Spread } from "./report/seed-stats.js";
export {
  buildComparisonReport,
  buildComparisonResults,
  comparisonExamples,
  formatComparisonTable,
  setupTable,
  summarizeRun,
  summarizeSeries,
  type ComparedRun,
  type ComparisonContext,
  type ModelSeries,
} from "./report/compare-report.js";
