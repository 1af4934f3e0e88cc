import type { FitEvent } from "./fit.js";

export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  readonly stream?: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Draw a redrawn bar (default: when the stream is a TTY); otherwise plain lines. */
  readonly interactive?: boolean;
  /** Plain mode: at most one step line per this many seconds (default 10). */
  readonly everySeconds?: number;
  /** Clock in ms, for tests. */
  readonly now?: () => number;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, "0")}s`;
  return `${r}s`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Halted-row metrics of recent steps: the mean over every row that halted in the window, or "-" when none did. */
class HaltedWindow {
  private entries: { count: number; accuracy: number; exact: number }[] = [];
  constructor(private readonly maxSteps: number) {}

  add(r: { readonly count: number; readonly accuracy: number; readonly exact_accuracy: number }): void {
    this.entries.push({ count: r.count, accuracy: r.accuracy * r.count, exact: r.exact_accuracy * r.count });
    if (this.entries.length > this.maxSteps) this.entries.shift();
  }

  clear(): void {
    this.entries = [];
  }

  text(): string {
    const n = this.entries.reduce((s, e) => s + e.count, 0);
    if (n === 0) return "acc - exact -";
    const sum = (k: "accuracy" | "exact") => this.entries.reduce((s, e) => s + e[k], 0) / n;
    return `acc ${pct(sum("accuracy"))} exact ${pct(sum("exact"))}`;
  }
}

/**
 * A `fit` event handler that shows progress: a bar with ETA redrawn in place on a terminal, plain periodic lines
 * otherwise (logs, CI). Evaluations, checkpoints and the stop reason always get their own line. The bar and the ETA
 * run to where the run will stop (the schedule's end or an earlier step/sample budget; a time budget caps the ETA).
 * Accuracies are over the rows that halted since the last line (the last 20 steps on a terminal), "-" when none did.
 */
export function createProgressReporter(options: ProgressOptions = {}): (event: FitEvent) => void {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? stream.isTTY === true;
  const every = (options.everySeconds ?? 10) * 1000;
  const now = options.now ?? (() => Date.now());
  let lastLine = -Infinity;
  let barShown = false;
  let startStep = 0;
  let startTime = now();
  let endStep: number | null = null;
  let maxSeconds: number | null = null;
  const halted = new HaltedWindow(interactive ? 20 : Number.MAX_SAFE_INTEGER);

  const line = (text: string) => {
    stream.write(`${barShown ? "\r\x1b[K" : ""}${text}\n`);
    barShown = false;
  };

  return (e: FitEvent) => {
    switch (e.type) {
      case "start": {
        startStep = e.step;
        startTime = now();
        endStep = e.endStep ?? null;
        maxSeconds = e.maxSeconds ?? null;
        const end = endStep ?? e.totalSteps;
        const budget = end < e.totalSteps ? ` (a budget stops it at step ${end} of the schedule's ${e.totalSteps})` : "";
        line(e.resumedFrom ? `resumed from ${e.resumedFrom} at step ${e.step}/${end}${budget}` : `training ${end} steps${budget}`);
        if (maxSeconds !== null) line(`time budget: ${formatDuration(maxSeconds)}`);
        break;
      }
      case "step": {
        const r = e.record;
        halted.add(r);
        const end = Math.max(e.step, Math.min(endStep ?? e.totalSteps, e.totalSteps));
        const done = e.step - startStep;
        const secs = (now() - startTime) / 1000;
        let eta = done > 0 ? ((end - e.step) * secs) / done : NaN;
        if (maxSeconds !== null) eta = Math.min(Number.isNaN(eta) ? Infinity : eta, Math.max(0, maxSeconds - secs));
        const stats = `loss ${r.loss.toFixed(4)} ${halted.text()} | ${r.samples_per_second.toFixed(0)} samples/s | ETA ${formatDuration(eta)}`;
        if (interactive) {
          const width = 24;
          const filled = Math.round((width * e.step) / Math.max(1, end));
          stream.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${e.step}/${end} ${stats}`);
          barShown = true;
        } else if (now() - lastLine >= every || e.step === end) {
          lastLine = now();
          line(`step ${e.step}/${end} lr ${r.lr.toExponential(2)} ${stats}`);
          halted.clear();
        }
        break;
      }
      case "eval": {
        const s = e.summary;
        line(`eval @ step ${e.step}: exact ${pct(s.exact_accuracy)}, token ${pct(s.accuracy)} on ${s.rows} rows (EMA weights)`);
        break;
      }
      case "checkpoint":
        line(`checkpoint @ step ${e.step}: ${e.path}`);
        break;
      case "checkpoint-failed":
        line(`checkpoint @ step ${e.step} FAILED: ${e.error}. ${e.previous ? `The previous checkpoint ${e.previous} is intact.` : "No earlier checkpoint exists."}`);
        break;
      case "stop":
        line(`${e.status}: ${e.message}`);
        break;
    }
  };
}
