// trm-train: a thin command line over @trm/data, @trm/train and @trm/eval. Each sub-command lives in its own file.
import { readFileSync } from "node:fs";
import type { Command } from "./command.js";
import { nearest } from "./flags.js";

export const USAGE = `trm-train: build datasets, train TRM or HRM, evaluate checkpoints

Usage:
  trm-train build-data --task <name> (--src <file|dir>... | --generate <spec>) --out <dir> [--subsample N] [--aug N] [--seed S]
  trm-train fit --task <t> --data <dir> --model trm|hrm [--config file.yaml] [--set key=value ...] --out runs/<name> [--resume]
  trm-train eval (--run runs/<name> | --weights <file.safetensors|file.pt> --config <file> --data <dir>) [--steps 16] [--out <file.json>]
  trm-train convert <checkpoint.pt> <out.safetensors> [--ema] [--overwrite]

Every command takes --import <module> (repeatable): a file (./my-task.mjs) or an installed package, loaded before
anything else, that registers a task of your own with registerTask from @trm/data.

Run \`trm-train <command> --help\` for the options of one command; \`trm-train --version\` prints the version.
`;

/** Sub-commands, loaded lazily so `--help` stays fast. Each file exports `command: Command`. */
const commands: Record<string, () => Promise<Command>> = {
  "build-data": () => import("./build-data.js").then((m) => m.command),
  fit: () => import("./fit.js").then((m) => m.command),
  eval: () => import("./eval.js").then((m) => m.command),
  convert: () => import("./convert.js").then((m) => m.command),
};

/** The version in this app's package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export async function main(argvWithImports: string[]): Promise<number> {
  let argv = argvWithImports;
  if (argv.some((a) => a === "--import" || a.startsWith("--import="))) {
    // Plug-in tasks first, since every command looks tasks up by name (loaded lazily, so --help stays fast).
    try {
      const { importPlugins, takeImportFlags } = await import("@trm/train");
      const { imports, rest } = takeImportFlags(argv);
      argv = rest;
      if (!argv.includes("--help") && !argv.includes("-h")) await importPlugins(imports);
    } catch (e) {
      process.stderr.write(`trm-train: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
  }
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`trm-train ${version()}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`trm-train: no command given (one of ${Object.keys(commands).join(", ")})\n\n${USAGE}`);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    const near = nearest(name, Object.keys(commands));
    process.stderr.write(`trm-train: unknown command "${name}"${near ? `; did you mean "${near}"?` : ""}\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}
