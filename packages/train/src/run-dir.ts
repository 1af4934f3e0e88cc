import { randomBytes } from "node:crypto";
import { readdir, readFile, rm } from "node:fs/promises";
import { makeDirectory } from "@trm/data/node";
import { join } from "node:path";
import { FitError } from "./errors.js";
import { writeFileAtomic } from "@trm/core/node";

/** `run.json`: which run a folder belongs to. Checkpoints carry the same id, so no other run's files are ever used. */
export interface RunIdentity {
  readonly format: "trm-run";
  readonly run_id: string;
  /** What wrote the folder: `trm-train fit`, `trm-compare`, ... */
  readonly kind: string;
  readonly created: string;
}

/** Files and folders a run writes; `--overwrite` removes only these. */
const RUN_ENTRIES = new Set(["run.json", "config.json", "metrics.jsonl", "checkpoints"]);

/** How a run treats a folder that already holds files. */
export type ClaimMode = "new" | "resume" | "overwrite";

export interface ClaimOptions {
  readonly mode: ClaimMode;
  readonly kind: string;
  /** Entries besides the run files that this kind of run writes (and `--overwrite` may clear), e.g. a report. */
  readonly extraEntries?: readonly string[];
  /** How to tell the user to pick a mode (flag names differ per app). */
  readonly hint?: string;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new FitError(`Cannot read run folder ${dir}: ${errorText(e)}`, { cause: e });
  }
}

/** The folder's run identity, or null when it has no (readable) run.json. */
export async function readRunIdentity(dir: string): Promise<RunIdentity | null> {
  let text: string;
  try {
    text = await readFile(join(dir, "run.json"), "utf8");
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<RunIdentity>;
    if (v.format === "trm-run" && typeof v.run_id === "string" && /^[0-9a-f]{16}$/.test(v.run_id) && typeof v.kind === "string") return v as RunIdentity;
  } catch {
    // fall through
  }
  throw new FitError(`${join(dir, "run.json")}: field "run_id": expected a run identity {format: "trm-run", run_id: 16 hex digits, kind}; the file is damaged`);
}

/**
 * Makes `dir` this run's folder. An empty or missing folder gets a fresh `run.json`. A folder that holds files is
 * refused unless `mode` is `resume` (continue the run recorded there) or `overwrite` (remove the run files and start
 * over); `overwrite` clears a folder with a `run.json`, or one holding only run files, and nothing else. Returns the run id that checkpoints must carry, or
 * null for a folder written before run ids existed (resumed as it is).
 */
export async function claimRunDir(dir: string, options: ClaimOptions): Promise<string | null> {
  const known = new Set([...RUN_ENTRIES, ...(options.extraEntries ?? [])]);
  const present = (await entries(dir)).filter((n) => !n.startsWith("."));
  const hint = options.hint ?? "pass --resume to continue it or --overwrite to start over";
  if (present.length > 0 && options.mode === "resume") {
    const identity = await readRunIdentity(dir);
    if (identity) {
      if (identity.kind !== options.kind) throw new FitError(`${dir} holds a ${identity.kind} run, not a ${options.kind} run; it cannot be resumed here`);
      return identity.run_id;
    }
    if (present.some((n) => !known.has(n))) throw new FitError(`${dir} is not a run folder (it holds ${present.filter((n) => !known.has(n)).slice(0, 3).join(", ")}); nothing to resume`);
    return null;
  }
  if (present.length > 0) {
    const foreign = present.filter((n) => !known.has(n));
    if (options.mode !== "overwrite") {
      throw new FitError(`${dir} is not empty (${present.slice(0, 4).join(", ")}${present.length > 4 ? ", ..." : ""}): it holds another run; ${hint}, or choose another folder`);
    }
    if (foreign.length > 0 && (await readRunIdentity(dir)) === null) {
      throw new FitError(`${dir} holds files no run wrote (${foreign.slice(0, 4).join(", ")}); --overwrite clears only run folders: choose another folder`);
    }
    for (const n of present) await rm(join(dir, n), { recursive: true, force: true });
  }
  try {
    makeDirectory(dir, "run folder");
  } catch (e) {
    throw new FitError(errorText(e), { cause: e });
  }
  const id = randomBytes(8).toString("hex");
  const identity: RunIdentity = { format: "trm-run", run_id: id, kind: options.kind, created: new Date().toISOString() };
  await writeFileAtomic(join(dir, "run.json"), `${JSON.stringify(identity, null, 2)}\n`, "run identity");
  return id;
}

/** Temporary files of atomic writes (`.<name>.<pid>-<hex>.tmp`, `<name>.tmp-<pid>`) left by a killed process. */
const TEMP_NAME = /^\..+\.\d+-[0-9a-f]+\.tmp$|\.tmp-\d+$/;

/** Removes temporary files that killed writes left in `dirs`; returns the paths removed. */
export async function sweepTemporaryFiles(dirs: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    for (const name of await entries(dir)) {
      if (!TEMP_NAME.test(name)) continue;
      await rm(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
