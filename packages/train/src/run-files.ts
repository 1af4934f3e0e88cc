import { appendFile, readFile } from "node:fs/promises";
import { makeDirectory } from "@trm/data/node";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { StepRates } from "./apply.js";
import type { TrainConfig } from "./config.js";
import type { TrainStepMetrics } from "./train-metrics.js";
import { writeFileAtomic } from "@trm/core/node";

export interface MemoryStats {
  readonly numTensors: number;
  readonly tensorBytes: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** One line of `metrics.jsonl` for a training step. */
export interface StepRecord extends TrainStepMetrics, StepRates {
  readonly split: "train";
  readonly step: number;
  readonly samples: number;
  readonly samples_per_second: number;
  readonly elapsed_seconds: number;
  readonly memory: MemoryStats;
}

export function memoryStats(): MemoryStats {
  const m = tf.memory();
  const p = process.memoryUsage();
  return { numTensors: m.numTensors, tensorBytes: m.numBytes, rss: p.rss, heapUsed: p.heapUsed };
}

/** Wall-clock time of a run: seconds before a resume plus seconds in this process. */
export class RunClock {
  private readonly started = performance.now();
  constructor(readonly secondsBefore: number) {}
  /** Seconds trained in total. */
  elapsed(): number {
    return this.secondsBefore + this.session();
  }
  /** Seconds trained in this process. */
  session(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/** The record of optimiser step `step`, just applied. */
export function stepRecord(
  at: { readonly step: number; readonly samples: number; readonly sessionSamples: number },
  rates: StepRates,
  metrics: TrainStepMetrics,
  clock: RunClock,
): StepRecord {
  const seconds = clock.elapsed();
  const sessionSeconds = seconds - clock.secondsBefore;
  return {
    split: "train",
    step: at.step,
    ...rates,
    ...metrics,
    samples: at.samples,
    samples_per_second: sessionSeconds > 0 ? at.sessionSamples / sessionSeconds : 0,
    elapsed_seconds: seconds,
    memory: memoryStats(),
  };
}

/** A run folder: `config.json`, `metrics.jsonl` (one JSON object per line) and `checkpoints/`. */
export class RunFiles {
  readonly checkpoints: string;
  readonly metrics: string;

  constructor(readonly dir: string) {
    this.checkpoints = join(dir, "checkpoints");
    this.metrics = join(dir, "metrics.jsonl");
  }

  /** Creates the folder and writes `config.json`; drops metric lines written after `step` (a resume writes them again). */
  async begin(config: TrainConfig, step: number): Promise<void> {
    await this.truncateMetrics(step);
    makeDirectory(this.dir, "run folder");
    await writeFileAtomic(join(this.dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`, "config");
  }

  /** Appends one line to `metrics.jsonl`; a failed write is an error naming the file and the cause. */
  async appendMetrics(record: object): Promise<void> {
    try {
      await appendFile(this.metrics, `${JSON.stringify(record)}\n`);
    } catch (e) {
      throw new Error(`Cannot write metrics ${this.metrics}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  /** Keeps the metric lines up to `step` (they will be written again after it). */
  private async truncateMetrics(step: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.metrics, "utf8");
    } catch {
      return;
    }
    const kept = text.split("\n").filter((line) => {
      if (!line.trim()) return false;
      try {
        return ((JSON.parse(line) as { step?: number }).step ?? 0) <= step;
      } catch {
        return false;
      }
    });
    await writeFileAtomic(this.metrics, kept.map((l) => `${l}\n`).join(""), "metrics");
  }
}
