import type { BoardPicture } from "@trm/data";
import { ARC_PALETTE, WRONG_COLOUR } from "./palette.js";

// Puzzle pictures as small inline SVGs. These are drawings of boards, not charts, so they are written directly.

/** Maze token ids of the official builder (charset "# SGo" at 1..5; 0 is PAD). */
export const MAZE_TOKENS = { pad: 0, wall: 1, open: 2, start: 3, goal: 4, path: 5 } as const;

/** A decoded board the report can draw: what a task's `picture` returns (see `Task.picture` in @trm/data). */
export type PuzzleView = BoardPicture;

export interface DrawOptions {
  /** Side of one cell in px; a default is picked from the board size. */
  readonly cell?: number;
  /** Compare against this board: cells that differ are marked wrong (all of them when the shapes differ). */
  readonly target?: PuzzleView;
  /** Sudoku: the puzzle's givens, drawn darker than filled-in digits. */
  readonly givens?: PuzzleView;
  /** Colour of the model's own marks (filled digits, maze path). */
  readonly accent?: string;
  /** Accessible label. */
  readonly label?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const at = (g: PuzzleView["grid"], r: number, c: number): number => g.cells[r * g.cols + c] ?? 0;

/** Per cell, 1 where `view` differs from `target`; all 1 when the shapes differ. Null without a target. */
export function wrongCells(view: PuzzleView, target: PuzzleView | undefined): Uint8Array | null {
  if (target === undefined) return null;
  const g = view.grid;
  const t = target.grid;
  const out = new Uint8Array(g.rows * g.cols);
  if (g.rows !== t.rows || g.cols !== t.cols) return out.fill(1);
  for (let i = 0; i < out.length; i++) out[i] = (g.cells[i] ?? 0) !== (t.cells[i] ?? 0) ? 1 : 0;
  return out;
}

function defaultCell(rows: number, cols: number, kind: PuzzleView["kind"]): number {
  const side = Math.max(rows, cols, 1);
  if (kind === "digits") return side <= 4 ? 26 : side <= 6 ? 22 : 18;
  return Math.max(4, Math.min(20, Math.floor(170 / side)));
}

function svgOpen(w: number, h: number, label: string | undefined): string {
  const aria = label === undefined ? "" : ` role="img" aria-label="${esc(label)}"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="board" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"${aria}>`;
}

/** A cross over a cell, white over black so it shows on any colour. */
function cross(x: number, y: number, s: number): string {
  const p = Math.max(2, s * 0.22);
  const d = `M${x + p} ${y + p}L${x + s - p} ${y + s - p}M${x + s - p} ${y + p}L${x + p} ${y + s - p}`;
  const w = Math.max(1.5, s / 9);
  return `<path d="${d}" stroke="#000" stroke-width="${w + 1.5}" stroke-linecap="round"/><path d="${d}" stroke="#fff" stroke-width="${w}" stroke-linecap="round"/>`;
}

function drawArc(view: PuzzleView, o: DrawOptions): string {
  const g = view.grid;
  const s = o.cell ?? defaultCell(g.rows, g.cols, "colours");
  const wrong = wrongCells(view, o.target);
  const w = Math.max(1, g.cols) * s + 1;
  const h = Math.max(1, g.rows) * s + 1;
  const parts = [svgOpen(w, h, o.label), `<rect width="${w}" height="${h}" fill="#555"/>`];
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      const fill = ARC_PALETTE[at(g, r, c)] ?? "#ffffff";
      parts.push(`<rect x="${c * s + 1}" y="${r * s + 1}" width="${s - 1}" height="${s - 1}" fill="${fill}"/>`);
    }
  }
  if (wrong !== null) {
    for (let i = 0; i < wrong.length; i++) if (wrong[i]) parts.push(cross((i % g.cols) * s + 0.5, Math.floor(i / g.cols) * s + 0.5, s));
  }
  if (g.rows === 0 || g.cols === 0) parts.push(`<text x="2" y="${h - 2}" font-size="8" fill="#fff">empty</text>`);
  parts.push("</svg>");
  return parts.join("");
}

function drawDigits(view: PuzzleView & { kind: "digits" }, o: DrawOptions): string {
  const g = view.grid;
  const s = o.cell ?? defaultCell(g.rows, g.cols, "digits");
  const wrong = wrongCells(view, o.target);
  const givens = o.givens?.grid;
  const pad = 2;
  const W = g.cols * s + 2 * pad;
  const H = g.rows * s + 2 * pad;
  // Without boxes only the border is thick.
  const box = view.box ?? { rows: g.rows, cols: g.cols };
  const parts = [svgOpen(W, H, o.label), `<rect width="${W}" height="${H}" fill="#fff"/>`];
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      const x = pad + c * s;
      const y = pad + r * s;
      const v = at(g, r, c);
      const isGiven = givens !== undefined && givens.rows === g.rows && givens.cols === g.cols && at(givens, r, c) !== 0;
      const bad = wrong?.[r * g.cols + c] === 1;
      if (isGiven) parts.push(`<rect x="${x}" y="${y}" width="${s}" height="${s}" fill="#f1f5f9"/>`);
      if (bad) parts.push(`<rect x="${x}" y="${y}" width="${s}" height="${s}" fill="#fee2e2"/>`);
      if (v !== 0) {
        const colour = bad ? WRONG_COLOUR : isGiven ? "#0f172a" : (o.accent ?? "#2563eb");
        const weight = isGiven ? 700 : 500;
        parts.push(
          `<text x="${x + s / 2}" y="${y + s / 2}" dy="0.35em" text-anchor="middle" font-family="ui-sans-serif, system-ui, sans-serif" font-size="${Math.round(s * 0.6)}" font-weight="${weight}" fill="${colour}">${v}</text>`,
        );
      }
    }
  }
  // Thin cell lines, thick box lines.
  const line = (x1: number, y1: number, x2: number, y2: number, thick: boolean): string =>
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${thick ? "#334155" : "#cbd5e1"}" stroke-width="${thick ? 2 : 1}"/>`;
  for (let i = 0; i <= g.rows; i++) parts.push(line(pad, pad + i * s, pad + g.cols * s, pad + i * s, i % box.rows === 0));
  for (let i = 0; i <= g.cols; i++) parts.push(line(pad + i * s, pad, pad + i * s, pad + g.rows * s, i % box.cols === 0));
  parts.push("</svg>");
  return parts.join("");
}

function drawMaze(view: PuzzleView, o: DrawOptions): string {
  const g = view.grid;
  const s = o.cell ?? defaultCell(g.rows, g.cols, "maze");
  const target = o.target?.grid;
  const sameShape = target !== undefined && target.rows === g.rows && target.cols === g.cols;
  const accent = o.accent ?? "#2563eb";
  const W = g.cols * s;
  const H = g.rows * s;
  const parts = [svgOpen(W, H, o.label), `<rect width="${W}" height="${H}" fill="#fff"/>`];
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      const v = at(g, r, c);
      const x = c * s;
      const y = r * s;
      const fill =
        v === MAZE_TOKENS.wall
          ? "#1e293b"
          : v === MAZE_TOKENS.start
            ? "#16a34a"
            : v === MAZE_TOKENS.goal
              ? "#dc2626"
              : v === MAZE_TOKENS.path
                ? accent
                : null;
      if (fill !== null) parts.push(`<rect x="${x}" y="${y}" width="${s}" height="${s}" fill="${fill}"/>`);
      if (target !== undefined && (!sameShape || at(target, r, c) !== v)) {
        // A path cell the answer lacks shows as a hollow red square; a wrong extra cell gets a cross.
        if (sameShape && at(target, r, c) === MAZE_TOKENS.path) {
          const w = Math.max(1, s / 6);
          parts.push(`<rect x="${x + w / 2}" y="${y + w / 2}" width="${s - w}" height="${s - w}" fill="none" stroke="${WRONG_COLOUR}" stroke-width="${w}"/>`);
        } else parts.push(cross(x, y, s));
      }
    }
  }
  parts.push(`<rect width="${W}" height="${H}" fill="none" stroke="#94a3b8"/>`, "</svg>");
  return parts.join("");
}

/** Draws a board as an inline SVG string. */
export function drawPuzzle(view: PuzzleView, options: DrawOptions = {}): string {
  switch (view.kind) {
    case "digits":
      return drawDigits(view, options);
    case "maze":
      return drawMaze(view, options);
    case "colours":
      return drawArc(view, options);
  }
}
