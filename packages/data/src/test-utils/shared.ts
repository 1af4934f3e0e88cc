import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, and `../shared` beside it (the read-only shared data), if present. */
export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..");
export const sharedDir = resolve(repoRoot, "../shared");
export const sharedData = resolve(sharedDir, "data");
export const hasSharedData = existsSync(sharedData);
if (!hasSharedData) console.warn(`[@trm/data tests] ${sharedData} is absent: tests on the real ARC/Sudoku files are skipped.`);
