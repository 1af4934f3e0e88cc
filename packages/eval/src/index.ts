export { argmaxRows, exactAccuracy, haltingStats, scoreRows, sigmoid, tokenAccuracy, type HaltingStats, type RowScores } from "./metrics.js";
export {
  DEFAULT_SNAPSHOT_STEPS,
  evalSummary,
  evaluateModel,
  summaryEvaluator,
  type CurvePoint,
  type EvalSummary,
  type EvaluateOptions,
  type EvaluationResult,
  type StepSnapshot,
} from "./evaluate-model.js";
export {
  PASS_AT_K,
  arcGridToRows,
  arcSubmission,
  gridKey,
  scoreArc,
  voteArc,
  type ArcAttempts,
  type ArcCandidate,
  type ArcGrid,
  type ArcScore,
  type ArcTaskResult,
  type ArcTaskTests,
  type ArcVotes,
  type RankedAnswer,
} from "./arc-vote.js";
export { arcCandidatesFromRows, arcTaskTests, type ArcRows } from "./arc-candidates.js";
export { arcEvaluation, type ArcEvaluation } from "./arc-evaluation.js";
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
