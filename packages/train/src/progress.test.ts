import { describe, expect, it } from "vitest";
import type { FitEvent } from "./fit.js";
import type { StepRecord } from "./run-files.js";
import { createProgressReporter, formatDuration } from "./progress.js";

const record = (step: number): StepRecord => ({
  split: "train",
  step,
  lr: 1e-4,
  puzzle_emb_lr: 1e-2,
  lm_loss: 1,
  q_halt_loss: 0.5,
  q_continue_loss: 0,
  loss: 1.25,
  count: 4,
  accuracy: 0.5,
  exact_accuracy: 0.25,
  q_halt_accuracy: 1,
  steps: 2,
  samples: step * 8,
  samples_per_second: 80,
  elapsed_seconds: step,
  memory: { numTensors: 10, tensorBytes: 100, rss: 1, heapUsed: 1 },
});

function run(interactive: boolean, events: FitEvent[]) {
  let text = "";
  let t = 0;
  const report = createProgressReporter({ stream: { write: (s: string) => (text += s) }, interactive, everySeconds: 10, now: () => t });
  for (const e of events) {
    if (e.type === "step") t = e.step * 1000;
    report(e);
  }
  return text;
}

describe("createProgressReporter", () => {
  const events: FitEvent[] = [
    { type: "start", step: 0, totalSteps: 30, resumedFrom: null },
    ...Array.from({ length: 30 }, (_, i): FitEvent => ({ type: "step", step: i + 1, totalSteps: 30, record: record(i + 1) })),
    { type: "checkpoint-failed", step: 30, error: "ENOSPC", previous: "runs/x/checkpoints/step-00000020.json" },
    { type: "stop", status: "completed", step: 30, message: "completed 30 steps" },
  ];

  it("prints plain lines at most every 10 s, plus the last step, when not interactive", () => {
    const lines = run(false, events).trim().split("\n");
    expect(lines[0]).toBe("training 30 steps");
    expect(lines.filter((l) => l.startsWith("step "))).toHaveLength(4); // steps 1, 11, 21, 30
    expect(lines).toContain("step 30/30 lr 1.00e-4 loss 1.2500 acc 50.0% exact 25.0% | 80 samples/s | ETA 0s");
    expect(lines).toContain("checkpoint @ step 30 FAILED: ENOSPC. The previous checkpoint runs/x/checkpoints/step-00000020.json is intact.");
    expect(lines.at(-1)).toBe("completed: completed 30 steps");
  });

  it("redraws one bar with an ETA on a terminal", () => {
    const text = run(true, events.slice(0, 12));
    expect(text).toContain("\r\x1b[K[########................] 10/30 ");
    // 10 steps took 10 s, so 20 more take 20 s.
    expect(text).toContain("10/30 loss 1.2500 acc 50.0% exact 25.0% | 80 samples/s | ETA 20s");
  });

  it("runs the bar and the ETA to where a step, sample or time budget stops the run", () => {
    const budgeted: FitEvent[] = [
      { type: "start", step: 0, totalSteps: 1000, resumedFrom: null, endStep: 20 },
      ...Array.from({ length: 20 }, (_, i): FitEvent => ({ type: "step", step: i + 1, totalSteps: 1000, record: record(i + 1) })),
    ];
    const lines = run(false, budgeted).trim().split("\n");
    expect(lines[0]).toBe("training 20 steps (a budget stops it at step 20 of the schedule's 1000)");
    // 1 s per step: at step 11, 9 steps are left (not 989).
    expect(lines).toContain("step 11/20 lr 1.00e-4 loss 1.2500 acc 50.0% exact 25.0% | 80 samples/s | ETA 9s");
    expect(lines.at(-1)).toMatch(/^step 20\/20 .*ETA 0s$/);
    const timed = run(true, [{ type: "start", step: 0, totalSteps: 1000, resumedFrom: null, endStep: 1000, maxSeconds: 30 }, budgeted[5]!]);
    // 5 s per step would leave 995 x 5 s; the 30 s budget has 25 s left.
    expect(timed).toContain("time budget: 30s");
    expect(timed).toMatch(/5\/1000 .*ETA 25s/);
  });

  it('shows "-" instead of 0% when no row halted since the last line, and the mean over the halted rows otherwise', () => {
    const none = (step: number): StepRecord => ({ ...record(step), count: 0, accuracy: 0, exact_accuracy: 0 });
    const lines = run(false, [
      { type: "start", step: 0, totalSteps: 40, resumedFrom: null },
      { type: "step", step: 1, totalSteps: 40, record: none(1) },
      ...Array.from({ length: 9 }, (_, i): FitEvent => ({ type: "step", step: i + 2, totalSteps: 40, record: none(i + 2) })),
      { type: "step", step: 11, totalSteps: 40, record: none(11) },
      // 4 rows at 50% and 12 rows at 100% halt in the next window: 14/16 = 87.5%.
      { type: "step", step: 15, totalSteps: 40, record: record(15) },
      { type: "step", step: 21, totalSteps: 40, record: { ...record(21), count: 12, accuracy: 1, exact_accuracy: 1 } },
    ])
      .trim()
      .split("\n");
    expect(lines[1]).toMatch(/^step 1\/40 .* loss 1\.2500 acc - exact - \|/);
    expect(lines[2]).toMatch(/^step 11\/40 .* acc - exact - \|/);
    expect(lines[3]).toMatch(/^step 21\/40 .* acc 87\.5% exact 81\.3% \|/);
  });

  it("formats durations", () => {
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(3720)).toBe("1h02m");
  });
});
