import "./style.css";
import { IGNORE_LABEL } from "@trm/data";
import { selectBackend, PAGE_BACKENDS, type PageBackend } from "./backend.js";
import { loadModel, type LoadedModel } from "./model.js";
import { cellColour, loadTestSplit, parseSudokuText, vocabulary, type Puzzle, type TestSplit } from "./puzzle.js";
import { solveSteps } from "./solve.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

let loaded: LoadedModel | null = null;
let split: TestSplit | null = null;
let backendLine: string | null = null;
let busy = false;

function setState(state: "idle" | "busy" | "ready" | "done" | "error", text: string): void {
  document.body.dataset.state = state;
  const status = $("status");
  status.textContent = text;
  status.className = state === "error" ? "error" : "";
}

async function readSource(fileInput: HTMLInputElement, urlInput: HTMLInputElement, what: string): Promise<{ bytes: Uint8Array; source: string } | null> {
  const file = fileInput.files?.[0];
  if (file) return { bytes: new Uint8Array(await file.arrayBuffer()), source: file.name };
  const url = urlInput.value.trim();
  if (url === "") return null;
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${what} ${url}: HTTP ${r.status}`);
  return { bytes: new Uint8Array(await r.arrayBuffer()), source: url };
}

async function ensureBackend(): Promise<void> {
  if (backendLine !== null) return;
  const choice = $<HTMLSelectElement>("backend-choice").value;
  backendLine = await selectBackend(PAGE_BACKENDS.includes(choice as PageBackend) ? (choice as PageBackend) : null);
  $("backend").textContent = backendLine;
  $("backend").dataset.backend = backendLine.replace(/^backend: (\S+).*$/, "$1");
}

async function onLoadModel(): Promise<void> {
  await ensureBackend();
  const weights = await readSource($("weights-file"), $("weights-url"), "weights");
  if (!weights) throw new Error("give the weights: a .safetensors file or its URL");
  const config = await readSource($("config-file"), $("config-url"), "config");
  loaded?.model.dispose();
  loaded = null;
  loaded = loadModel(weights.bytes, weights.source, config ? new TextDecoder().decode(config.bytes) : null, config?.source ?? "config.json");
  const { kind, task, seqLen, vocabSize, model } = loaded;
  $("model-info").textContent =
    `${kind.toUpperCase()} for ${task ?? "an unnamed task"}: ${seqLen} tokens, vocabulary ${vocabSize}, ` +
    `up to ${model.haltMaxSteps} supervision steps; halts when ${model.noActContinue ? "q_halt > 0" : "q_halt > q_continue"}.`;
  setState("ready", "model loaded: give it a puzzle");
}

async function onLoadData(): Promise<void> {
  const url = $<HTMLInputElement>("data-url").value.trim();
  if (url === "") throw new Error("give the dataset URL (the folder with test/ and identifiers.json)");
  split = await loadTestSplit(url);
  const select = $<HTMLSelectElement>("example");
  select.replaceChildren();
  for (let i = 0; i < Math.min(split.count, 1000); i++) {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = split.example(i).label;
    select.append(option);
  }
  setState("ready", `test split: ${split.count} examples of ${split.seqLen} tokens`);
}

function drawGrid(tokens: Int32Array, given: Int32Array | null, labels: Int32Array | null): HTMLElement {
  const task = loaded?.task ?? null;
  const names = vocabulary(task, loaded?.vocabSize ?? 0);
  const side = Math.round(Math.sqrt(tokens.length));
  const grid = document.createElement("div");
  grid.className = side > 16 ? "grid small" : "grid";
  grid.style.gridTemplateColumns = `repeat(${side}, auto)`;
  grid.dataset.tokens = Array.from(tokens).join(",");
  tokens.forEach((t, i) => {
    const cell = document.createElement("span");
    cell.textContent = names[t] ?? String(t);
    const colour = cellColour(task, t);
    if (colour) cell.style.background = colour;
    if (given && task === "sudoku") cell.className = (given[i] ?? 0) > 1 ? "given" : "filled";
    if (labels && labels[i] !== IGNORE_LABEL && labels[i] !== t) cell.classList.add("wrong");
    grid.append(cell);
  });
  return grid;
}

async function solve(puzzle: Puzzle): Promise<void> {
  if (!loaded) throw new Error("load a model first");
  if (puzzle.inputs.length !== loaded.seqLen) throw new Error(`${puzzle.label}: ${puzzle.inputs.length} tokens, the model takes ${loaded.seqLen}`);
  const steps = $("steps");
  steps.replaceChildren();
  const question = $("question");
  question.replaceChildren(document.createTextNode(`${puzzle.label}:`), drawGrid(puzzle.inputs, null, null));
  setState("busy", `solving ${puzzle.label}…`);
  let haltedAt: number | null = null;
  for await (const view of solveSteps(loaded.model, puzzle.inputs, puzzle.puzzleIdentifier, puzzle.labels)) {
    const li = document.createElement("li");
    li.dataset.step = String(view.step);
    const verdict = document.createElement("div");
    verdict.className = "verdict";
    const rule = loaded.model.noActContinue ? `q_halt ${view.qHalt.toFixed(2)}` : `q_halt ${view.qHalt.toFixed(2)} vs q_continue ${view.qContinue.toFixed(2)}`;
    verdict.textContent = `step ${view.step}: ${rule} → ${view.halt ? "halt" : "continue"}${view.correct === null ? "" : view.correct ? " · correct" : " · wrong"}`;
    if (view.halt && haltedAt === null) {
      haltedAt = view.step;
      li.classList.add("halt");
    }
    li.append(verdict, drawGrid(view.tokens, puzzle.inputs, puzzle.labels));
    steps.append(li);
  }
  const answer = $("steps").lastElementChild;
  answer?.setAttribute("id", "answer");
  setState(
    "done",
    `${puzzle.label}: ${loaded.model.haltMaxSteps} steps; the halting head ${haltedAt === null ? "never said halt" : `says halt first at step ${haltedAt}`}`,
  );
}

function guard(fn: () => Promise<void>): () => void {
  return () => {
    if (busy) return;
    busy = true;
    fn()
      .catch((e: unknown) => setState("error", e instanceof Error ? e.message : String(e)))
      .finally(() => {
        busy = false;
      });
  };
}

$("load").addEventListener("click", guard(onLoadModel));
$("load-data").addEventListener("click", guard(onLoadData));
$("solve-typed").addEventListener("click", guard(async () => solve(parseSudokuText($<HTMLTextAreaElement>("sudoku").value, loaded?.seqLen ?? 0))));
$("solve-example").addEventListener(
  "click",
  guard(async () => {
    if (!split) throw new Error("load a dataset's test split first");
    await solve(split.example(Number($<HTMLSelectElement>("example").value)));
  }),
);

// Links can fill the form: ?weights=...&config=...&data=...&backend=wasm
const params = new URLSearchParams(location.search);
for (const [param, id] of [["weights", "weights-url"], ["config", "config-url"], ["data", "data-url"], ["sudoku", "sudoku"]] as const) {
  const v = params.get(param);
  if (v !== null) $<HTMLInputElement>(id).value = v;
}
const forced = params.get("backend");
if (forced !== null) $<HTMLSelectElement>("backend-choice").value = forced;
setState("idle", "load a model to start");
