import type { ArcTask } from "@trm/data";
import { arcCandidatesFromRows, arcTaskTests } from "./arc-candidates.js";
import { arcSubmission, scoreArc, voteArc, type ArcAttempts, type ArcScore, type ArcVotes } from "./arc-vote.js";
import type { EvaluationResult } from "./evaluate-model.js";

/** What an ARC evaluation adds to token and exact accuracy: the official voting, pass@k and the Kaggle submission. */
export interface ArcEvaluation {
  readonly votes: ArcVotes;
  readonly score: ArcScore;
  /** The ARC Prize `submission.json` content: two attempts per test input. */
  readonly submission: Record<string, ArcAttempts[]>;
}

/**
 * Votes the answers of every augmented variant back in each task's own frame and scores them, as the official ARC
 * evaluator: `result` must keep every row's answer after the last step (`evaluateModel` with the default
 * `snapshotRows`), `identifiers` is the dataset's `identifiers.json` and `tasks` its held-out tasks
 * (`readArcTestPuzzles`).
 */
export function arcEvaluation(result: EvaluationResult, identifiers: readonly string[], tasks: readonly ArcTask[]): ArcEvaluation {
  const last = result.kept.snapshots.find((s) => s.step === result.steps);
  if (last === undefined || result.kept.rows !== result.rows) {
    throw new Error(`arcEvaluation: the evaluation kept ${result.kept.rows} of ${result.rows} rows; ARC voting needs every row's last answer`);
  }
  const candidates = arcCandidatesFromRows(
    { seqLen: result.seqLen, inputs: result.kept.inputs, predictions: last.tokens, puzzleIdentifiers: result.kept.puzzleIdentifiers, qHalt: result.kept.qHalt },
    identifiers,
  );
  const tests = arcTaskTests(tasks);
  const votes = voteArc(candidates, tests);
  return { votes, score: scoreArc(votes, tests), submission: arcSubmission(votes, tests) };
}
