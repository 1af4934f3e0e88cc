/** Raised when `fit` cannot start (bad options, unreadable checkpoint). Divergence and aborts are results, not errors. */
export class FitError extends Error {
  override name = "FitError";
}
