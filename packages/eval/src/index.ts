export * from "./metrics.js";
export * from "./evaluate-model.js";
export * from "./arc-vote.js";
export * from "./arc-candidates.js";
export * from "./report/palette.js";
export * from "./report/puzzle-svg.js";
export * from "./report/charts.js";
export * from "./report/report-html.js";
