import type { Grid } from "./grid.js";

/**
 * The first `count` candidates whose question is neither a training question nor an earlier kept candidate's: a test
 * split of unseen puzzles from a generator whose runs may repeat themselves (small boards have few distinct puzzles).
 * Throws when fewer than `count` candidates are left, naming both numbers.
 */
export function unseenPuzzles<P extends { readonly question: Grid }>(train: readonly P[], candidates: readonly P[], count: number): P[] {
  const key = (p: P): string => `${p.question.rows}x${p.question.cols}:${p.question.cells.join(",")}`;
  const seen = new Set(train.map(key));
  const kept: P[] = [];
  for (const p of candidates) {
    if (kept.length === count) break;
    const k = key(p);
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(p);
  }
  if (kept.length < count) {
    throw new Error(`unseenPuzzles: only ${kept.length} of ${candidates.length} candidates are unseen and distinct, ${count} wanted`);
  }
  return kept;
}
