export * from "./native-kernels.js";
