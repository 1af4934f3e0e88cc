export * from "./backend.js";
export * from "./recursive-model.js";
export * from "./safetensors.js";
export * from "./state-dict.js";
