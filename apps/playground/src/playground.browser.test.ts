import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { DIST, startServer } from "../scripts/serve.js";
import { readDataset } from "@trm/data/node";

// The page in real headless Chromium (Debian's /usr/bin/chromium, no browser download) against the Node evaluation of
// the same checkpoint: a tiny TRM trained here for a few steps on generated 4x4 Sudoku.
const CHROMIUM = "/usr/bin/chromium";
const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const trainCli = join(repo, "apps/train/dist/cli.js");
const why = !existsSync(CHROMIUM)
  ? `no ${CHROMIUM} (Debian: apt-get install chromium)`
  : !existsSync(join(DIST, "index.html")) || !existsSync(trainCli)
    ? "the playground or trm-train is not built (pnpm build)"
    : null;
if (why) console.log(`playground browser test skipped: ${why}`);

/** One line of `trm-train eval --predictions`: the decoded board and the predicted tokens. */
interface Prediction {
  readonly index: number;
  readonly prediction_tokens: number[];
}

describe.skipIf(why !== null)("playground in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "trm-playground-"));
  const data = join(dir, "data");
  const run = join(dir, "run");
  let predictions: Prediction[] = [];
  let server: { url: string; close: () => Promise<void> } | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    const cli = (...args: string[]) => execFileSync(process.execPath, [trainCli, ...args], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    cli("build-data", "--generate", "sudoku:size=4,train=256,test=8", "--out", data, "--seed", "5");
    cli("fit", "--task", "sudoku", "--data", data, "--model", "trm", "--config", "tiny-trm-sudoku4", "--out", run, "--backend", "wasm", "--quiet",
      "--set", "max_steps=30", "--set", "eval_every_steps=30", "--set", "eval_max_examples=8");
    // The very file the page loads.
    cli("eval", "--weights", join(run, "checkpoints/final.safetensors"), "--config", join(run, "config.json"), "--data", data, "--backend", "wasm", "--predictions", join(dir, "predictions.jsonl"));
    predictions = readFileSync(join(dir, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Prediction);
    const started = await startServer({ mounts: { "/run/": run, "/data/": data } });
    server = started;
    const { chromium } = await import("playwright-core");
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Software WebGL (SwiftShader) compiles its shaders slowly on a loaded machine: clicks wait for the page.
    page.setDefaultTimeout(300_000);
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`${started.url}?weights=/run/checkpoints/final.safetensors&config=/run/config.json&data=/data/`);
    await page.click("#load");
    await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.state ?? ""));
    const state = await page.evaluate(() => [document.body.dataset.state, document.getElementById("status")?.textContent]);
    if (state[0] === "error") throw new Error(`the page failed to load the model: ${state[1]}\n${consoleLines.join("\n")}`);
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function shownAnswer(): Promise<number[]> {
    await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state ?? ""));
    const [state, status] = await page.evaluate(() => [document.body.dataset.state, document.getElementById("status")?.textContent ?? ""]);
    if (state === "error") throw new Error(`page error: ${status}\n${consoleLines.join("\n")}`);
    const tokens = await page.getAttribute("#answer .grid", "data-tokens");
    return (tokens ?? "").split(",").map(Number);
  }

  it("shows, after the last supervision step, the answer trm-train eval gives for a typed Sudoku", async () => {
    const test = readDataset(data, "test");
    const seqLen = test.metadata.seq_len;
    const inputs = Array.from(test.inputs.subarray(0, seqLen));
    // Typed as a person would: rows of digits, "." for blanks.
    const rows = Array.from({ length: 4 }, (_, r) => inputs.slice(r * 4, r * 4 + 4).map((t) => (t >= 2 ? String(t - 1) : ".")).join(""));
    await page.fill("#sudoku", rows.join("\n"));
    await page.click("#solve-typed");
    const shown = await shownAnswer();
    const backend = await page.getAttribute("#backend", "data-backend");
    console.log(`playground page ran on ${backend ?? "?"}: ${await page.textContent("#backend")}`);
    expect(shown).toHaveLength(seqLen);
    expect(shown).toEqual(predictions.find((p) => p.index === 0)?.prediction_tokens);
    // One answer per supervision step, each with the halting head's verdict.
    const verdicts = await page.$$eval("#steps li .verdict", (els) => els.map((e) => e.textContent ?? ""));
    expect(verdicts).toHaveLength(2);
    verdicts.forEach((v, i) => expect(v).toMatch(new RegExp(`^step ${i + 1}: q_halt -?\\d+\\.\\d\\d → (halt|continue)`)));
  }, 600_000);

  it("shows the same answer as trm-train eval for an example picked from the dataset's test split", async () => {
    await page.click("#load-data");
    await page.waitForFunction(() => (document.getElementById("example") as HTMLSelectElement | null)?.options.length === 8);
    for (const index of [3, 6]) {
      await page.selectOption("#example", String(index));
      await page.click("#solve-example");
      expect(await shownAnswer(), `test example ${index}`).toEqual(predictions.find((p) => p.index === index)?.prediction_tokens);
    }
  }, 600_000);
});
