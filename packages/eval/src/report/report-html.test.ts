import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drawPuzzle, wrongCells } from "./puzzle-svg.js";
import { defaultVerdict, formatBytes, formatCount, renderReport, writeReport } from "./report-html.js";
import { syntheticReport } from "./test-utils/synthetic-report.js";
import { spreadOf } from "./seed-stats.js";
import type { ReportModel } from "./report-html.js";
import { ARC_PALETTE } from "./palette.js";

/** External references: any http(s) URL other than the XML namespace declarations SVG needs. */
export function externalUrls(html: string): string[] {
  const stripped = html.replace(/\sxmlns(:\w+)?="[^"]*"/g, "");
  return stripped.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')<]*/gi) ?? [];
}

describe("drawPuzzle", () => {
  it("colours ARC cells with the standard palette and crosses wrong cells", () => {
    const target = { kind: "colours" as const, grid: { rows: 1, cols: 3, cells: [1, 2, 9] } };
    const view = { kind: "colours" as const, grid: { rows: 1, cols: 3, cells: [1, 0, 9] } };
    const svg = drawPuzzle(view, { target, cell: 10 });
    expect(svg).toContain(`fill="${ARC_PALETTE[1]}"`);
    expect(svg).toContain(`fill="${ARC_PALETTE[0]}"`);
    expect(svg).toContain(`fill="${ARC_PALETTE[9]}"`);
    // One wrong cell: one cross = two paths.
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(Array.from(wrongCells(view, target) ?? [])).toEqual([0, 1, 0]);
  });

  it("marks every cell wrong when the shapes differ", () => {
    const target = { kind: "colours" as const, grid: { rows: 1, cols: 2, cells: [1, 2] } };
    const view = { kind: "colours" as const, grid: { rows: 2, cols: 1, cells: [1, 2] } };
    expect(Array.from(wrongCells(view, target) ?? [])).toEqual([1, 1]);
  });

  it("draws a Sudoku with digits and box lines", () => {
    const g = { rows: 4, cols: 4, cells: [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1] };
    const svg = drawPuzzle({ kind: "digits", grid: g, box: { rows: 2, cols: 2 } });
    expect(svg.match(/<text /g)?.length).toBe(16);
    // 5 horizontal + 5 vertical lines; 3 of each are box lines (width 2).
    expect(svg.match(/<line /g)?.length).toBe(10);
    expect(svg.match(/stroke-width="2"/g)?.length).toBe(6);
  });
});

describe("report formatting", () => {
  it("formats counts and bytes", () => {
    expect(formatCount(81_234)).toBe("81.2k");
    expect(formatCount(5_030_000)).toBe("5.03M");
    expect(formatCount(999)).toBe("999");
    expect(formatBytes(52 * 2 ** 20)).toBe("52.0 MiB");
    expect(formatBytes(null)).toBe("n/a");
  });

  it("states the winner on exact accuracy", () => {
    const r = syntheticReport();
    expect(defaultVerdict(r.models)).toBe(
      // 0.82 and 0.47 times (1 - e^(-16/3)).
      "TRM solves 81.6% of test puzzles exactly, HRM 46.8% (+34.8 points, one seed).",
    );
  });
});

describe("several seeds", () => {
  const withSpread = (m: ReportModel, exact: number[]): ReportModel => {
    const sp = spreadOf(exact);
    return { ...m, summary: { ...m.summary, exactAccuracy: sp.mean, spread: { exactAccuracy: sp } } };
  };

  it("says 'no clear difference' when the 95% intervals overlap, and names the leader when they do not", () => {
    const [trm, hrm] = syntheticReport().models as [ReportModel, ReportModel];
    const overlap = defaultVerdict([withSpread(trm, [0.96, 0.95, 0.97]), withSpread(hrm, [0.93, 0.6, 0.95])]);
    expect(overlap).toMatch(/^No clear difference over 3 seeds: test exact accuracy TRM 96\.0% \(95% interval .*\), HRM 82\.7%/);
    const apart = defaultVerdict([withSpread(trm, [0.96, 0.95, 0.97]), withSpread(hrm, [0.1, 0.12, 0.11])]);
    expect(apart).toMatch(/^TRM solves more test puzzles exactly over 3 seeds: .* \+85\.0 points; the intervals do not overlap\.$/);
  });

  it("shows range and interval in the table, highlights only a separated best, and draws bands and the setup table", async () => {
    const base = syntheticReport();
    const [trm, hrm] = base.models as [ReportModel, ReportModel];
    const input = {
      ...base,
      models: [withSpread(trm, [0.96, 0.95, 0.97]), withSpread(hrm, [0.93, 0.6, 0.95])],
      setup: { rows: [{ name: "token mixer", values: ["MLP", "MLP"] }, { name: "model", values: ["TRM", "HRM"] }], notes: ["Budget: 25k samples."] },
      learningCurves: [
        { id: "test-exact", title: "Test", xTitle: "samples", yTitle: "exact", xDomain: [0, 1000] as [number, number], note: "Last point: the final evaluation.", points: [{ model: "TRM", x: 500, y: 0.5, lo: 0.4, hi: 0.6 }, { model: "TRM", x: 1000, y: 0.9, lo: 0.85, hi: 0.95 }] },
      ],
    };
    const { html, charts } = await renderReport(input);
    const table = /<table class="compare">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table).toContain("range 95.0%..97.0%");
    expect(table).toContain("95% interval");
    // Exact accuracy intervals overlap: no highlight on that row.
    expect(/Test exact accuracy<\/th>(.*?)<\/tr>/.exec(table)?.[1]).not.toContain('class="best"');
    // The setup table comes first and marks the differing row.
    expect(html.indexOf('id="setup"')).toBeLessThan(html.indexOf('id="summary"'));
    expect(html).toMatch(/<tr class="differs"><th scope="row">model<\/th>/);
    expect(html).toMatch(/<tr class=""><th scope="row">token mixer<\/th>.*same/);
    expect(html).toContain("Budget: 25k samples.");
    expect(html).toContain("Last point: the final evaluation.");
    // A band (area) under the line, and the x axis ends at the given domain.
    const svg = charts.get("learning-test-exact") ?? "";
    expect(svg).toMatch(/class="mark-area/);
    expect(svg).toContain(">1k<");
  });
});

describe("renderReport / writeReport", () => {
  it("writes a self-contained report with every section, the table, charts and boards", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trm-report-"));
    const paths = await writeReport(dir, syntheticReport());
    const html = readFileSync(paths.html, "utf8");

    for (const id of ["verdict", "summary", "comparison", "learning", "recursion", "puzzles", "settings"]) {
      expect(html).toContain(`id="${id}"`);
    }
    // The comparison table: one header row + 9 metric rows, two model columns.
    const table = /<table class="compare">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    expect(table.match(/<tr>/g)?.length).toBe(10);
    expect(table).toContain("Trainable parameters");
    expect(table).toContain("Peak memory");
    // Charts: learning, refinement and halting, inline and as files.
    expect(readdirSync(join(dir, "charts")).sort()).toEqual(["halting.svg", "learning-loss.svg", "refinement.svg"]);
    for (const p of paths.charts) expect(readFileSync(p, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(html).toContain('id="chart-refinement"><svg');
    // Boards: Sudoku (2 + 2x5), maze (2 + 2), ARC (2 + 3).
    expect(html.match(/<svg [^>]*class="board"/g)?.length).toBe(12 + 4 + 5);
    expect(html).toContain("step 16 · ✓");
    expect(html).toContain("step 1 · 4 wrong");
    // Escaped text, no script and nothing fetched from elsewhere.
    expect(html).toContain("Synthetic numbers &lt;not real&gt;.");
    expect(html).not.toMatch(/<script|<link |@import|<img /i);
    expect(externalUrls(html)).toEqual([]);
    expect(existsSync(`${paths.html}.${process.pid}.tmp`)).toBe(false);
  });

  it("uses the same colour for a model in charts and table", async () => {
    const { html, charts } = await renderReport(syntheticReport());
    const refinement = charts.get("refinement") ?? "";
    expect(refinement).toContain('stroke="#2563eb"');
    expect(refinement).toContain('stroke="#ea580c"');
    expect(html).toContain('style="background:#2563eb"');
  });
});
