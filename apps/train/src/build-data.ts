// trm-train build-data: reads or generates puzzles of a task and writes the official dataset layout.
import { buildDataset, datasetSummary, getTask, holdOutItems, listTasks, parseGenerateSpec, subsampleItems, type TaskItem } from "@trm/data";
import { parseFlags } from "./flags.js";
import type { Command } from "./command.js";
import { nodeFiles, writeBuiltDataset } from "@trm/data/node";

const HELP = `trm-train build-data: build a dataset in the official layout (train/ test/ dataset.json, all__*.npy, identifiers.json)

Usage:
  trm-train build-data --task <name> (--src <file|dir>... | --generate <spec>) --out <dir>
                       [--subsample N] [--aug N] [--seed S] [--holdout N]

Options:
  --task <name>      sudoku | maze | arc | any registered task (may be omitted with --generate <task>:...)
  --src <path>       raw files or folders (repeatable). Sudoku/Maze: CSV source,question,answer[,rating]; a file
                     named test* feeds the test split. ARC: task JSON folders (a folder named evaluation* sends its
                     test pairs to the test split) or Kaggle *_challenges.json (+ *_solutions.json).
  --generate <spec>  generate puzzles instead, e.g.
                       sudoku:size=4,train=2000,test=200[,minClues=K]
                       maze:side=15,train=1000,test=100[,minPath=P,loops=PERCENT]
  --out <dir>        output folder
  --subsample N      keep N random train puzzles (seeded)
  --aug N            augmented variants per puzzle (default 0)
  --seed S           seed of every random choice (default 42)
  --holdout N        when the sources have no test split, move N random train puzzles to test (default 10%)
  -h, --help         this text
`;

function fail(message: string): number {
  process.stderr.write(`trm-train build-data: ${message}\n\nRun \`trm-train build-data --help\` for usage.\n`);
  return 2;
}

/** Most puzzles (originals and augmented variants) one build may make: a build is held in memory until written. */
const MAX_BUILT_PUZZLES = 10_000_000;

function nonNegativeInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return v;
}

function buildData(argv: string[]): number {
  let values;
  try {
    ({ values } = parseFlags(argv, {
        task: { type: "string" },
        src: { type: "string", multiple: true },
        generate: { type: "string" },
        out: { type: "string" },
        subsample: { type: "string" },
        aug: { type: "string" },
        seed: { type: "string" },
        holdout: { type: "string" },
        help: { type: "boolean", short: "h" },
    }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const spec = values.generate === undefined ? undefined : parseGenerateSpec(values.generate);
    const taskName = values.task ?? spec?.task;
    if (taskName === undefined) return fail(`--task is required (registered: ${listTasks().join(", ")})`);
    if (spec?.task !== undefined && spec.task !== taskName) return fail(`--generate is for "${spec.task}" but --task is "${taskName}"`);
    if ((values.src === undefined) === (spec === undefined)) return fail("give either --src <path>... or --generate <spec>");
    if (values.out === undefined) return fail("--out <dir> is required");
    const seed = nonNegativeInt("seed", values.seed) ?? 42;
    const augmentations = nonNegativeInt("aug", values.aug) ?? 0;
    const subsample = nonNegativeInt("subsample", values.subsample);
    if (subsample === 0) return fail(`--subsample must be at least 1 (the train puzzles to keep), got "${values.subsample}"`);
    const tooMany = (puzzles: number) =>
      `--aug ${augmentations}: ${puzzles.toLocaleString("en-US")} puzzle(s) x ${(augmentations + 1).toLocaleString("en-US")} variants is over the limit of ${MAX_BUILT_PUZZLES.toLocaleString("en-US")} puzzles one build holds in memory; ask for fewer augmentations or --subsample`;
    if (augmentations + 1 > MAX_BUILT_PUZZLES) return fail(tooMany(1));
    const holdout = nonNegativeInt("holdout", values.holdout);
    const task = getTask(taskName);

    const started = Date.now();
    // Progress lines at most once a second, so a quick build prints none.
    let lastProgress = started;
    const progress = (what: string) => (split: string, done: number, total: number) => {
      const now = Date.now();
      if (now - lastProgress < 1000 && done < total) return;
      if (done === total && lastProgress === started) return;
      lastProgress = now;
      process.stderr.write(`  ${split}: ${done}/${total} ${what}\n`);
    };
    let items: TaskItem<unknown>[];
    if (spec) {
      if (!task.generate) return fail(`task "${task.name}" has no generator; use --src`);
      process.stderr.write(`generating ${task.name} puzzles (${values.generate})...\n`);
      items = task.generate(spec.params, seed, progress("puzzles"));
    } else {
      process.stderr.write(`loading ${values.src?.join(", ")}...\n`);
      items = task.load(values.src ?? [], nodeFiles);
    }
    process.stderr.write(`${items.length} puzzles read in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (items.length === 0) return fail(spec ? "the generator spec makes no puzzles: give train=N (and test=N)" : `no puzzles in ${values.src?.join(", ")}`);
    if (subsample !== undefined) items = subsampleItems(items, subsample, seed);
    if (items.length * (augmentations + 1) > MAX_BUILT_PUZZLES) return fail(tooMany(items.length));
    if (!items.some((it) => it.test.length > 0)) {
      const trainOnly = items.filter((it) => it.test.length === 0).length;
      const n = holdout ?? Math.max(1, Math.floor(trainOnly / 10));
      if (n > 0) {
        process.stderr.write(`no test split in the sources: holding out ${n} of ${trainOnly} train puzzles for test\n`);
        items = holdOutItems(items, n, seed);
      }
    }
    const built = buildDataset(task, items, {
      augmentations,
      seed,
      onProgress: progress("groups"),
    });
    writeBuiltDataset(values.out, built);
    for (const split of ["train", "test"] as const) {
      const s = datasetSummary(built[split]);
      process.stdout.write(`${split}: groups ${s.groups}, puzzles ${s.puzzles}, examples ${s.examples}, seqLen ${s.seqLen}, vocab ${s.vocab}\n`);
    }
    process.stdout.write(`identifiers ${built.identifiers.length}; written to ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`trm-train build-data: ${(e as Error).message}\n`);
    return 1;
  }
}

export const command: Command = {
  run: (argv) => Promise.resolve(buildData(argv)),
};
