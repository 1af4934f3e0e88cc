export * from "./backend.js";
export * from "./recursive-model.js";
