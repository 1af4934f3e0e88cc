import type { TrainStepResult } from "@trm/core";

/** Metrics of one optimiser step, named as the official loop logs them. */
export interface TrainStepMetrics {
  /** Loss terms summed over rows and divided by the global batch (the official `*_loss` reduction). */
  readonly lm_loss: number;
  readonly q_halt_loss: number;
  readonly q_continue_loss: number;
  readonly loss: number;
  /** Rows that halted at this step (and have labels): the other metrics are means over them, as official. */
  readonly count: number;
  /** Mean per-row token accuracy of the halted rows. */
  readonly accuracy: number;
  readonly exact_accuracy: number;
  /** Share of halted rows where (q_halt >= 0) agrees with "the answer is exactly right". */
  readonly q_halt_accuracy: number;
  /** Mean supervision steps the halted rows took. */
  readonly steps: number;
}

/** Sums the per-micro-batch results of one optimiser step into {@link TrainStepMetrics}. */
export class TrainMetricsAccumulator {
  private lm = 0;
  private qh = 0;
  private qc = 0;
  private count = 0;
  private accuracy = 0;
  private exact = 0;
  private qAcc = 0;
  private steps = 0;

  add(result: TrainStepResult, qHalt: ArrayLike<number>): void {
    this.lm += result.losses.lm;
    this.qh += result.losses.qHalt;
    this.qc += result.losses.qContinue;
    const { halted, steps } = result.carry;
    for (let b = 0; b < halted.length; b++) {
      const labels = result.labelCounts[b] ?? 0;
      if (!halted[b] || labels === 0) continue;
      const exact = result.exactCorrect[b] ?? 0;
      this.count += 1;
      this.accuracy += (result.correctCounts[b] ?? 0) / labels;
      this.exact += exact;
      this.qAcc += ((qHalt[b] ?? 0) >= 0 ? 1 : 0) === exact ? 1 : 0;
      this.steps += steps[b] ?? 0;
    }
  }

  /** Total loss summed over rows, before division: NaN or Infinity means the step must not be applied. */
  get totalLoss(): number {
    return this.lm + 0.5 * (this.qh + this.qc);
  }

  result(globalBatch: number): TrainStepMetrics {
    const per = (x: number) => (this.count > 0 ? x / this.count : 0);
    return {
      lm_loss: this.lm / globalBatch,
      q_halt_loss: this.qh / globalBatch,
      q_continue_loss: this.qc / globalBatch,
      loss: this.totalLoss / globalBatch,
      count: this.count,
      accuracy: per(this.accuracy),
      exact_accuracy: per(this.exact),
      q_halt_accuracy: per(this.qAcc),
      steps: per(this.steps),
    };
  }
}
