// Metrics, evaluation of a model, ARC voting. Imports no charting library; the HTML report is `@trm/eval/report`.
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
