// Command-line parsing shared by the sub-commands: node's parseArgs, with "did you mean" hints for typos.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { editDistance, useBackend, type BackendRequest } from "@trm/core";

/** The candidate closest to `word` when it is close enough to be a typo of it, else null. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? Math.min(editDistance(word, c), 1) : editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.ceil(word.length / 3)) ? best : null;
}

/**
 * Selects the TensorFlow.js backend and prints the one it runs on. Why \`auto\` skipped the others (optional packages
 * that are not installed, a software-only WebGPU adapter) is listed only with \`verbose\`.
 */
export async function selectBackend(request: BackendRequest, webgpuFlags: readonly string[], verbose: boolean): Promise<void> {
  const info = await useBackend(request, { webgpuFlags, log: null });
  const line = verbose ? info.message : info.message.replace(/ \(auto; skipped .*\)$/s, " (auto; --verbose says why it skipped the others)");
  process.stderr.write(`${line}\n`);
}

/** A command-line mistake: printed with the command's name and exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `argv` strictly against `options`. An unknown flag names the closest known one ("--max-step: unknown
 * option; did you mean --max-steps?"); a flag without its value says so.
 */
export function parseFlags<O extends Options>(argv: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = (e as Error).message;
    const flags = Object.keys(options).map((k) => `--${k}`);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? "";
      const name = flag.split("=")[0] ?? flag;
      const near = nearest(name, flags);
      throw new UsageError(`${name}: unknown option${near ? `; did you mean ${near}?` : `; options: ${flags.join(", ")}`}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const flag = /'(--?[^' ]+)/.exec(msg)?.[1] ?? "an option";
      if (options[flag.replace(/^-+/, "")]?.type === "boolean") throw new UsageError(`${flag}: takes no value`);
      const dash = msg.includes("ambiguous") ? ` (a value starting with "-" is written ${flag}=-VALUE)` : "";
      throw new UsageError(`${flag}: needs a value${dash}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const arg = /'([^']+)'/.exec(msg)?.[1] ?? "";
      throw new UsageError(`unexpected argument "${arg}" (options start with --; see --help)`);
    }
    throw new UsageError(msg);
  }
}

/** A positive integer flag value, or undefined when the flag is absent. "ten", "1.5", "0" are errors naming the flag. */
export function positiveIntFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

/** A positive finite number flag value (seconds), or undefined when absent. */
export function positiveNumberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a positive number, got "${text}"`);
  return n;
}
