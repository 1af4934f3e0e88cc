export * from "./metrics.js";
export * from "./evaluate-model.js";
