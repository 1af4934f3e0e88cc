import type { Trace } from "./trace.js";

export interface StepDiff {
  readonly step: number;
  /** |loss_ts - loss_ref| / max(1, |loss_ref|) on the batch-summed total loss. */
  readonly lossRel: number;
  /** Rows whose halting decision differs. */
  readonly haltMismatch: number;
  /** Largest |q_halt_ts - q_halt_ref| over the rows. */
  readonly qHaltAbs: number;
}

export interface WeightDiff {
  readonly step: number;
  /** Largest |w_ts - w_ref| over every weight, and the tensor it is in. */
  readonly maxAbs: number;
  readonly worst: string;
  /** Largest per-tensor ||w_ts - w_ref|| / ||w_ref||. */
  readonly maxRel: number;
  readonly worstRel: string;
}

export interface ParityReport {
  readonly steps: number;
  readonly perStep: StepDiff[];
  readonly weights: WeightDiff[];
  /** First step whose loss differs by more than the tolerance, or null. */
  readonly firstLossDivergence: number | null;
  /** First step with a differing halting decision, or null. */
  readonly firstHaltDivergence: number | null;
  /** Weight tensors present on one side only. */
  readonly missing: string[];
}

/** Compares two traces step by step; `tol` is the relative loss difference counted as a divergence. */
export function compareTraces(ts: Trace, ref: Trace, tol: number): ParityReport {
  const n = Math.min(ts.steps.length, ref.steps.length);
  const perStep: StepDiff[] = [];
  let firstLoss: number | null = null;
  let firstHalt: number | null = null;
  for (let i = 0; i < n; i++) {
    const a = ts.steps[i]!;
    const b = ref.steps[i]!;
    const lossRel = Math.abs(a.loss - b.loss) / Math.max(1, Math.abs(b.loss));
    let haltMismatch = 0;
    let qHaltAbs = 0;
    for (let r = 0; r < b.halted.length; r++) {
      if ((a.halted[r] ?? -1) !== b.halted[r]) haltMismatch++;
      qHaltAbs = Math.max(qHaltAbs, Math.abs((a.q_halt_logits[r] ?? NaN) - (b.q_halt_logits[r] ?? NaN)));
    }
    if (a.halted.length !== b.halted.length) haltMismatch = Math.max(haltMismatch, 1);
    perStep.push({ step: b.step, lossRel, haltMismatch, qHaltAbs });
    if (firstLoss === null && !(lossRel <= tol)) firstLoss = b.step;
    if (firstHalt === null && haltMismatch > 0) firstHalt = b.step;
  }
  const weights: WeightDiff[] = [];
  const missing = new Set<string>();
  for (const step of Object.keys(ref.weights).map(Number).sort((x, y) => x - y)) {
    const wa = ts.weights[String(step)];
    const wb = ref.weights[String(step)];
    if (!wa || !wb) continue;
    let maxAbs = 0;
    let worst = "";
    let maxRel = 0;
    let worstRel = "";
    for (const name of new Set([...Object.keys(wa), ...Object.keys(wb)])) {
      const x = wa[name];
      const y = wb[name];
      if (!x || !y || x.length !== y.length) {
        missing.add(name);
        continue;
      }
      let d2 = 0;
      let n2 = 0;
      for (let i = 0; i < y.length; i++) {
        const d = Math.abs((x[i] ?? NaN) - (y[i] ?? NaN));
        if (!(d <= maxAbs)) {
          maxAbs = d;
          worst = name;
        }
        d2 += d * d;
        n2 += (y[i] ?? 0) ** 2;
      }
      const rel = Math.sqrt(d2) / Math.max(Math.sqrt(n2), 1e-12);
      if (!(rel <= maxRel)) {
        maxRel = rel;
        worstRel = name;
      }
    }
    weights.push({ step, maxAbs, worst, maxRel, worstRel });
  }
  return { steps: n, perStep, weights, firstLossDivergence: firstLoss, firstHaltDivergence: firstHalt, missing: [...missing].sort() };
}

const fmt = (x: number) => (x === 0 ? "0" : x.toExponential(2));

/** A short human-readable account: where the loops first differ, by how much, and how the weights compare. */
export function formatReport(r: ParityReport, tol: number): string {
  const lines: string[] = [];
  lines.push(`compared ${r.steps} steps (loss tolerance ${fmt(tol)} relative)`);
  if (r.firstLossDivergence === null) lines.push(`loss: agrees at every step`);
  else {
    const d = r.perStep[r.firstLossDivergence - 1];
    lines.push(`loss: first differs at step ${r.firstLossDivergence} by ${fmt(d?.lossRel ?? NaN)} relative`);
  }
  const agreed = r.perStep.slice(0, (r.firstLossDivergence ?? r.steps + 1) - 1);
  if (agreed.length > 0) lines.push(`loss: largest difference before that ${fmt(Math.max(...agreed.map((d) => d.lossRel)))}`);
  if (r.firstHaltDivergence === null) lines.push(`halting: the same rows halt at every step`);
  else {
    const d = r.perStep[r.firstHaltDivergence - 1];
    lines.push(`halting: first differs at step ${r.firstHaltDivergence} (${d?.haltMismatch} rows; q_halt differs by up to ${fmt(d?.qHaltAbs ?? NaN)})`);
  }
  for (const w of r.weights) {
    lines.push(`weights after step ${w.step}: max |diff| ${fmt(w.maxAbs)} (${w.worst || "-"}), max relative ${fmt(w.maxRel)} (${w.worstRel || "-"})`);
  }
  if (r.missing.length > 0) lines.push(`weights on one side only: ${r.missing.join(", ")}`);
  const marks = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter((s) => s <= r.steps);
  if (marks.length > 0) {
    lines.push(`loss difference by step: ${marks.map((s) => `${s}: ${fmt(r.perStep[s - 1]?.lossRel ?? NaN)}`).join(", ")}`);
  }
  return lines.join("\n");
}
