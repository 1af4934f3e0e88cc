import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// `auto` in a fresh Node process, as the command lines run it: Dawn's own stderr lines (e.g. the "maxDynamic...
// artificially reduced" warnings it prints for Mesa's software adapter) must not reach a user who did not ask for
// WebGPU. Runs the built entry (`pnpm build` first), in a child process because Dawn writes to the process's stderr.
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("useBackend('auto') output", () => {
  it.skipIf(!existsSync(dist))("writes nothing to stderr but its one line, whatever WebGPU adapter Dawn finds", () => {
    const script = `const c = await import(${JSON.stringify(pathToFileURL(dist).href)});
const info = await c.useBackend("auto");
process.stdout.write(JSON.stringify(info.fallbacks));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: /);
    const fallbacks = JSON.parse(r.stdout) as string[];
    // Tells which case this machine exercised: a software adapter (where Dawn warns) skipped quietly, no adapter, or none tried.
    console.log(`auto: ${lines[0]}; webgpu: ${fallbacks.find((f) => f.startsWith("webgpu:")) ?? "not tried or chosen"}`);
  });
});
