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

/**
 * A `fit` event handler that shows progress: a bar with ETA redrawn in place on a terminal, plain periodic lines
 * otherwise (logs, CI). Evaluations, checkpoints and the stop reason always get their own line.
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

  const line = (text: string) => {
    stream.write(`${barShown ? "\r\x1b[K" : ""}${text}\n`);
    barShown = false;
  };

  return (e: FitEvent) => {
    switch (e.type) {
      case "start":
        startStep = e.step;
        startTime = now();
        line(e.resumedFrom ? `resumed from ${e.resumedFrom} at step ${e.step}/${e.totalSteps}` : `training ${e.totalSteps} steps`);
        break;
      case "step": {
        const r = e.record;
        const done = e.step - startStep;
        const secs = (now() - startTime) / 1000;
        const eta = done > 0 ? ((e.totalSteps - e.step) * secs) / done : NaN;
        const stats = `loss ${r.loss.toFixed(4)} acc ${pct(r.accuracy)} exact ${pct(r.exact_accuracy)} | ${r.samples_per_second.toFixed(0)} samples/s | ETA ${formatDuration(eta)}`;
        if (interactive) {
          const width = 24;
          const filled = Math.round((width * e.step) / Math.max(1, e.totalSteps));
          stream.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${e.step}/${e.totalSteps} ${stats}`);
          barShown = true;
        } else if (now() - lastLine >= every || e.step === e.totalSteps) {
          lastLine = now();
          line(`step ${e.step}/${e.totalSteps} lr ${r.lr.toExponential(2)} ${stats}`);
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
