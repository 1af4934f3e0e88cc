export * from "./optim/optimizer.js";
export * from "./optim/adam-atan2.js";
export * from "./optim/adamw.js";
export * from "./optim/sign-sgd.js";
export * from "./ema.js";
export * from "./schedule.js";
