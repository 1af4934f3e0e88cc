export * from "./native-matmul.js";
