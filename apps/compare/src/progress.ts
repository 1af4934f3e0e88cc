import type { FitEvent } from "@trm/train";
import type { Budget } from "./budget.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A progress display for one model's run, against the shared budget: a bar redrawn in place on a terminal, a line
 * every few seconds otherwise. Evaluations and the stop reason get their own lines.
 */
export function progressDisplay(label: string, budget: Budget | null, stream: ProgressStream, everySeconds = 10) {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let barShown = false;
  const line = (text: string) => {
    stream.write(`${barShown ? "\r\x1b[K" : ""}[${label}] ${text}\n`);
    barShown = false;
  };
  const draw = (fraction: number, text: string) => {
    const width = 24;
    const filled = Math.max(0, Math.min(width, Math.round(width * fraction)));
    stream.write(`\r\x1b[K[${label}] ${"█".repeat(filled)}${"░".repeat(width - filled)} ${pct(Math.min(1, fraction))} ${text}`);
    barShown = true;
  };
  return {
    onFit(e: FitEvent): void {
      if (e.type === "step") {
        const r = e.record;
        const fraction =
          budget === null
            ? e.step / Math.max(1, e.totalSteps)
            : budget.kind === "seconds"
              ? r.elapsed_seconds / budget.seconds
              : r.samples / budget.samples;
        const text = `${clock(r.elapsed_seconds)} step ${r.step} · loss ${r.loss.toFixed(3)} · train exact ${pct(r.exact_accuracy)} · ${r.samples_per_second.toFixed(0)} samples/s`;
        const now = Date.now();
        if (tty && now - lastDraw >= 200) {
          lastDraw = now;
          draw(fraction, text);
        } else if (!tty && now - lastDraw >= everySeconds * 1000) {
          lastDraw = now;
          line(`${pct(Math.min(1, fraction))} ${text}`);
        }
      } else if (e.type === "eval") {
        line(`eval @ step ${e.step}: test exact ${pct(e.summary.exact_accuracy)}, token ${pct(e.summary.accuracy)} (${e.summary.rows} puzzles, EMA)`);
      } else if (e.type === "stop") {
        line(`training stopped: ${e.message}`);
      } else if (e.type === "checkpoint-failed") {
        line(`checkpoint failed: ${e.error}`);
      }
    },
    onEval(done: number, total: number): void {
      if (tty) draw(done / Math.max(1, total), `evaluating ${done}/${total} test puzzles`);
      else if (done >= total) line(`evaluated ${done} test puzzles`);
    },
    done(text: string): void {
      line(text);
    },
  };
}
