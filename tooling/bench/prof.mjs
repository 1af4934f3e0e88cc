import * as tf from "@tensorflow/tfjs";
import { useBackend } from "@trm/core";
import { registerNativeKernels } from "@trm/native-kernels";
import { findConfig } from "./dist/configs.js";
import { createModel, createTrainLoop, randomBatch, evaluateBatch } from "./dist/model-bench.js";
import { flopShapeOf } from "./dist/configs.js";
const [name, native, batchArg] = process.argv.slice(2);
await useBackend("wasm", { native: native === "1" });

const config = findConfig(name);
const batchSize = Number(batchArg ?? config.batch);
const model = createModel(config);
const shape = flopShapeOf(config.kind, model.config, batchSize);
const batch = randomBatch(batchSize, shape.seqLen, shape.vocab);
const loop = createTrainLoop(model, batch);
loop.step();
let t = performance.now(); loop.step(); console.log("train ms", performance.now() - t);
const info = await tf.profile(() => loop.step());
const agg = new Map();
let tot = 0;
for (const k of info.kernels) { const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0; tot += ms; const a = agg.get(k.name) ?? { n: 0, ms: 0 }; a.n++; a.ms += ms; agg.set(k.name, a); }
console.log("kernels", info.kernels.length, "kernel ms", tot.toFixed(1));
for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms).slice(0, 30)) console.log(k.padEnd(24), a.n, a.ms.toFixed(1));
t = performance.now(); evaluateBatch(model, batch, 1); console.log("eval step ms", performance.now() - t);
