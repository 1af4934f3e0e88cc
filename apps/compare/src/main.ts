// trm-compare: HRM against TRM on the same data, budget, seed and evaluation.

export const USAGE = `trm-compare: train HRM and TRM on the same data and budget, and report side by side

Usage:
  trm-compare [--task sudoku] [--data <dir>] [--budget <minutes>m|<samples>] [--trm-preset <name>] [--hrm-preset <name>]
              [--backend auto|wasm|cpu|tensorflow|tensorflow-gpu] [--out <dir>] [--seed <n>]

With no arguments it runs the embedded default comparison on generated Sudoku and writes report.html and results.json.
`;

export function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return Promise.resolve(0);
  }
  process.stderr.write("trm-compare: the comparison is not wired yet.\n");
  return Promise.resolve(1);
}
