#!/usr/bin/env node
// Best-effort build of the optional native kernels into dist/kernels.node, printing one line that says whether they
// were built or why not. It needs a C compiler, Node's headers and a CBLAS library; when any is missing it exits 0,
// so installs, builds and tests on machines without them go on with the pure-wasm kernels.
// TRM_NATIVE_KERNELS=0 skips the attempt.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "src", "kernels.c");
const target = path.join(root, "dist", "kernels.node");
const say = (line) => process.stdout.write(`native kernels: ${line}\n`);
const fallback = "the pure-wasm kernels are used";

function main() {
  if (process.env.TRM_NATIVE_KERNELS === "0") return say(`skipped (TRM_NATIVE_KERNELS=0); ${fallback}.`);
  if (process.platform === "win32") return say(`skipped (no build recipe for Windows); ${fallback}.`);
  const cc = process.env.CC ?? "cc";
  const probe = spawnSync(cc, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    return say(`skipped (no C compiler "${cc}"; Debian: apt-get install build-essential libopenblas-dev); ${fallback}.`);
  }
  // Node's headers ship with the binary at <prefix>/include/node; node-gyp's cache is the other usual place.
  const candidates = [
    process.env.NODE_INCLUDE_DIR,
    path.resolve(path.dirname(process.execPath), "..", "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  const include = candidates.find((dir) => existsSync(path.join(dir, "node_api.h")));
  if (!include) return say(`skipped (node_api.h not found in ${candidates.join(", ")}); ${fallback}.`);
  const libs = process.env.TRM_CBLAS_LIB ? [process.env.TRM_CBLAS_LIB] : ["openblas", "cblas", "blis", "blas"];
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `kernels-${process.pid}.tmp.node`); // .node so require() loads it
  const errors = [];
  // -march=native: the addon is built on the machine that runs it. OpenMP splits the element-wise passes over cores.
  const variants = [["-fopenmp", "-march=native"], ["-march=native"], []];
  for (const lib of libs) {
    for (const flags of variants) {
      const args = ["-O3", "-fno-math-errno", ...flags, "-shared", "-fPIC", "-DNODE_GYP_MODULE_NAME=kernels", `-I${include}`, source, `-l${lib}`, "-lm", "-o", tmp];
      const run = spawnSync(cc, args, { encoding: "utf8" });
      if (run.status !== 0) {
        errors.push(`-l${lib} ${flags.join(" ")}: ${(run.stderr.trim().split("\n").pop() ?? "link failed").trim()}`);
        rmSync(tmp, { force: true });
        continue;
      }
      // Link success is not enough: libblas without CBLAS symbols fails only at load time.
      const check = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(tmp)})`], { encoding: "utf8" });
      if (check.status === 0) {
        renameSync(tmp, target);
        return say(`built dist/kernels.node against -l${lib}${flags.includes("-fopenmp") ? " with OpenMP" : ""}; useBackend("wasm") runs them.`);
      }
      errors.push(`-l${lib}: ${(check.stderr.split("\n").find((l) => l.includes("Error")) ?? "does not load").trim()}`);
      rmSync(tmp, { force: true });
      break;
    }
  }
  say(`skipped (no CBLAS library linked: ${errors.join("; ")}). Debian: apt-get install build-essential libopenblas-dev; ${fallback}.`);
}

try {
  main();
} catch (e) {
  say(`skipped (${e instanceof Error ? e.message : String(e)}); ${fallback}.`);
}
