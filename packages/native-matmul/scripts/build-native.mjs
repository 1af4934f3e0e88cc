#!/usr/bin/env node
// Best-effort build of the optional sgemm addon into dist/sgemm.node.
// It needs a C compiler, Node's headers and a CBLAS library; when any is missing it says so and exits 0, so installs,
// builds and tests on machines without them (CI: Node and npm only) go on with the pure-wasm matMul.
// TRM_NATIVE_MATMUL=0 skips the attempt.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "src", "sgemm.c");
const target = path.join(root, "dist", "sgemm.node");
const say = (line) => process.stdout.write(`native-matmul: ${line}\n`);

function main() {
  if (process.env.TRM_NATIVE_MATMUL === "0") return say("skipped (TRM_NATIVE_MATMUL=0); the pure-wasm matMul is used.");
  if (process.platform === "win32") return say("skipped (no build recipe for Windows); the pure-wasm matMul is used.");
  const cc = process.env.CC ?? "cc";
  const probe = spawnSync(cc, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return say(`skipped (no C compiler "${cc}"); the pure-wasm matMul is used.`);
  // Node's headers ship with the binary at <prefix>/include/node; node-gyp's cache is the other usual place.
  const candidates = [
    process.env.NODE_INCLUDE_DIR,
    path.resolve(path.dirname(process.execPath), "..", "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  const include = candidates.find((dir) => existsSync(path.join(dir, "node_api.h")));
  if (!include) return say(`skipped (node_api.h not found in ${candidates.join(", ")}); the pure-wasm matMul is used.`);
  const libs = process.env.TRM_CBLAS_LIB ? [process.env.TRM_CBLAS_LIB] : ["openblas", "cblas", "blis", "blas"];
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `sgemm-${process.pid}.tmp.node`); // .node so require() loads it
  const errors = [];
  for (const lib of libs) {
    const args = ["-O2", "-shared", "-fPIC", "-DNODE_GYP_MODULE_NAME=sgemm", `-I${include}`, source, `-l${lib}`, "-o", tmp];
    const run = spawnSync(cc, args, { encoding: "utf8" });
    if (run.status === 0) {
      // Link success is not enough: libblas without CBLAS symbols fails only at load time.
      const check = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(tmp)})`], { encoding: "utf8" });
      if (check.status === 0) {
        renameSync(tmp, target);
        return say(`built dist/sgemm.node against -l${lib}.`);
      }
      errors.push(`-l${lib}: ${(check.stderr.split("\n").find((l) => l.includes("Error")) ?? "does not load").trim()}`);
    } else {
      errors.push(`-l${lib}: ${(run.stderr.trim().split("\n").pop() ?? "link failed").trim()}`);
    }
    rmSync(tmp, { force: true });
  }
  say(`skipped (no CBLAS library linked: ${errors.join("; ")}). Install one, e.g. \`apt-get install libopenblas-dev\`; the pure-wasm matMul is used.`);
}

try {
  main();
} catch (e) {
  say(`skipped (${e instanceof Error ? e.message : String(e)}); the pure-wasm matMul is used.`);
}
