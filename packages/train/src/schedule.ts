export interface LrSchedule {
  /** Peak learning rate. */
  readonly lr: number;
  /** Linear warm-up length (official `lr_warmup_steps`, 2000). */
  readonly warmupSteps: number;
  /** Total optimiser steps of the run: the cosine reaches its end here. */
  readonly totalSteps: number;
  /** Final lr as a fraction of the peak (official `lr_min_ratio`; 1.0, the official default, keeps it constant). */
  readonly minRatio?: number;
}

/**
 * Learning rate at optimiser step `step` (1-based: the first update uses step 1, as the official loop increments
 * its step counter before computing the lr): linear warm-up from 0, then a half cosine from lr to lr * minRatio.
 */
export function learningRate(step: number, s: LrSchedule): number {
  const minRatio = s.minRatio ?? 1;
  if (step < s.warmupSteps) return (s.lr * step) / Math.max(1, s.warmupSteps);
  // Clamped so a run that goes past totalSteps (a resumed run with a larger budget) stays at the floor.
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps));
  return s.lr * (minRatio + Math.max(0, (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress))));
}
