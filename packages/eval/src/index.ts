export * from "./metrics.js";
export * from "./evaluate-model.js";
export * from "./arc-vote.js";
