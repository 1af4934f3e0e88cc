import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// A user who already has the full @tensorflow/tfjs bundle and adds @trm/core: one tfjs-core engine, one copy of each
// backend, no "kernel ... already registered" line, and training works (tfjs-core's gradients are registered).
// Runs the built package (dist), in a separate Node process, from this folder's node_modules: @tensorflow/tfjs is a
// dev dependency here, and pnpm links its tfjs-core and tfjs-backend-cpu to the same copies @trm/core uses, as npm
// dedupes them in a user's project.
const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const coreDist = resolve(pkg, "../../packages/core/dist/index.js");
const run = promisify(execFile);

const SCRIPT = `
import * as tf from "@tensorflow/tfjs";
import * as tfc from "@tensorflow/tfjs-core";
// Every later write of a kernel that is already registered (tfjs prints no warning for it in production mode, which
// useBackend turns on).
const registry = globalThis._tfGlobals.get("kernelRegistry");
const set = registry.set.bind(registry);
const again = [];
registry.set = (key, value) => (registry.has(key) && again.push(key), set(key, value));
const { useBackend } = await import("@trm/core");
const out = { sameEngine: tf.engine() === tfc.engine() };
for (const name of ["cpu", "wasm", "wasm"]) {
  const info = await useBackend(name, { log: null });
  const g = tf.tidy(() => tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3])).arraySync());
  out[name] = { backend: info.tfBackend, grad: g, native: info.native?.active ?? null };
}
// Control: registering a kernel twice is seen.
tf.registerKernel(tf.getKernel("Add", "cpu"));
out.again = again;
console.log("RESULT " + JSON.stringify(out));
`;

describe("@trm/core beside a user's @tensorflow/tfjs", () => {
  it.skipIf(!existsSync(coreDist))("(needs pnpm build) shares one engine, registers no kernel twice (native kernels included, selected twice), and trains on cpu and wasm", async () => {
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: pkg });
    const text = `${stdout}\n${stderr}`;
    const result = JSON.parse(/RESULT (.*)/.exec(stdout)?.[1] ?? "null") as Record<string, unknown> | null;
    expect(result).toMatchObject({
      sameEngine: true,
      cpu: { backend: "cpu", grad: [2, 4, 6] },
      wasm: { backend: "wasm", grad: [2, 4, 6] },
      // Only the control.
      again: ["cpu_Add"],
    });
    // And no warning while the modules loaded.
    expect(text.split("\n").filter((l) => /already registered/.test(l))).toEqual([]);
  });
});
