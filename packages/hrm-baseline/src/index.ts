export * from "./hrm-config.js";
export * from "./hrm-params.js";
export * from "./hrm-forward.js";
export * from "./hrm.js";
