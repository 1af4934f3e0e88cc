import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

/**
 * The names of the fused kernels `@trm/core` runs when they are registered for the active backend (it looks them up
 * with `tf.getKernel`, so it needs no import of this package). Inputs, attributes and outputs of each:
 *
 * - `TrmLinearGrad` {x [m,k], w [k,n], dy [m,n]} -> [dx = dy wᵀ, dw = xᵀ dy]
 * - `TrmRmsNorm` {x} {eps} -> [y = x r, r = 1/sqrt(mean(x², last axis) + eps) with the last axis kept as 1]
 * - `TrmRmsNormGrad` {y, r, dy} -> dx = r (dy - y mean(dy y))
 * - `TrmSwiGLU` {x [m,d], wGate [d,f], wUp [d,f], wDown [f,e]} -> [out = (silu(g) u) wDown, g = x wGate, u = x wUp]
 * - `TrmSwiGLUGrad` {x, wGate, wUp, wDown, g, u, dy} -> [dx, dwGate, dwUp, dwDown]
 * - `TrmAttention` {qkv [B·S, 3D], cos?, sin? [S, hd]} {batch, seq, numHeads} -> [out [B·S, D], q, k [B·nh, S, hd]
 *   (RoPE applied, q scaled by 1/sqrt(hd)), p [B·nh, S, S] = softmax(q kᵀ)]
 * - `TrmAttentionGrad` {qkv, cos?, sin?, q, k, p, dy} {batch, seq, numHeads} -> dqkv [B·S, 3D]
 * - `TrmSwiGLUBlock` {x [B·S, D], wGateUp [w, 2f] (gate | up), wDown [f, w]} {eps, batch, seq, tokens} -> [y = rmsNorm(x +
 *   swiglu(x)) [B·S, D], r, gu]: tokens 0 mixes channels (w = D, rows B·S); tokens 1 is TRM's `mlp_t`, the MLP and
 *   the norm along the sequence (w = S, rows B·D of xᵀ). r [rows], gu [rows, 2f] (gate | up) in the MLP's layout.
 * - `TrmSwiGLUBlockGrad` {x, wGateUp, wDown, gu, y, r, dy} {batch, seq, tokens} -> [dx, dwGateUp, dwDown]
 * - `TrmAttentionBlock` {x [B·S, D], wQkv [D, 3D], wO [D, D], cos?, sin? [S, hd]} {eps, batch, seq, numHeads} -> [y =
 *   rmsNorm(x + attention(x wQkv) wO) [B·S, D], r [B·S], qkv [B·S, 3D], heads [B·S, D] (the attention before wO), q,
 *   k, p as `TrmAttention` keeps them]: the post-norm attention sub-block in one launch
 * - `TrmAttentionBlockGrad` {x, wQkv, wO, cos?, sin?, y, r, qkv, heads, q, k, p, dy} {batch, seq, numHeads} -> [dx,
 *   dwQkv, dwO]
 * - `TrmAdamUpdate` {p, m, v, g} {kind: "atan2" | "adamw", lr, beta1, beta2, bc1, bc2Sqrt, decay, eps} -> [p', m', v']
 * - `TrmEmaUpdateMany` {s0, p0, s1, p1, ...} {count, rate} -> [s0' = rate s0 + (1 - rate) p0, s1', ...]: the moving
 *   average of every parameter in one launch
 * - `TrmAdamUpdateMany` {p0, m0, v0, g0, p1, ...} {count, and the attributes of `TrmAdamUpdate`} -> [p0', m0', v0',
 *   p1', ...]: every parameter of a model in one launch
 */
export const FUSED_KERNEL_NAMES = [
  "TrmLinearGrad",
  "TrmRmsNorm",
  "TrmRmsNormGrad",
  "TrmSwiGLU",
  "TrmSwiGLUGrad",
  "TrmAttention",
  "TrmAttentionGrad",
  "TrmAdamUpdate",
  "TrmAdamUpdateMany",
  "TrmSwiGLUBlock",
  "TrmSwiGLUBlockGrad",
  "TrmAttentionBlock",
  "TrmAttentionBlockGrad",
  "TrmEmaUpdateMany",
] as const;

type Fn = (heap: ArrayBuffer, ...args: number[]) => void;

/** The addon's functions; offsets are bytes into `heap`, sizes and strides in floats. */
export interface NativeAddon {
  readonly sgemmBatched: Fn;
  readonly linearGrad: Fn;
  readonly rmsNorm: Fn;
  readonly rmsNormGrad: Fn;
  readonly swiglu: Fn;
  readonly swigluGrad: Fn;
  readonly attention: Fn;
  readonly attentionGrad: Fn;
  readonly transpose3: Fn;
  readonly adamUpdate: Fn;
  readonly tile: Fn;
  readonly swigluBlock: Fn;
  readonly swigluBlockGrad: Fn;
  readonly attentionBlock: Fn;
  readonly attentionBlockGrad: Fn;
  readonly emaUpdate: Fn;
  /** OpenMP threads of the element-wise passes (1 without OpenMP). */
  readonly threads: number;
}

/** Where the best-effort build puts the addon; `src/` and `dist/` both sit one level below the package root. */
export const ADDON_PATH = fileURLToPath(new URL("../dist/kernels.node", import.meta.url));

export type LoadResult = { readonly ok: true; readonly addon: NativeAddon } | { readonly ok: false; readonly reason: string };

const FUNCTIONS = ["sgemmBatched", "linearGrad", "rmsNorm", "rmsNormGrad", "swiglu", "swigluGrad", "attention", "attentionGrad", "transpose3", "adamUpdate", "tile", "swigluBlock", "swigluBlockGrad", "attentionBlock", "attentionBlockGrad", "emaUpdate"];

/** Loads the addon when it was built; otherwise says why not (never throws). */
export function loadNativeKernels(addonPath: string = ADDON_PATH): LoadResult {
  if (process.env["TRM_NATIVE_KERNELS"] === "0") return { ok: false, reason: "TRM_NATIVE_KERNELS=0" };
  if (!existsSync(addonPath)) {
    return {
      ok: false,
      reason: "not built (needs a C compiler and a CBLAS library: apt-get install build-essential libopenblas-dev, then pnpm install)",
    };
  }
  try {
    // Idle OpenMP threads sleep instead of spinning (the default spins): on a machine shared with other jobs a
    // spinning thread takes the core the next kernel needs. Read once, when the addon loads libgomp.
    process.env["OMP_WAIT_POLICY"] ??= "PASSIVE";
    const mod = createRequire(import.meta.url)(addonPath) as Record<string, unknown>;
    const missing = FUNCTIONS.filter((f) => typeof mod[f] !== "function");
    if (missing.length > 0) return { ok: false, reason: `${addonPath} lacks ${missing.join(", ")} (rebuild it: pnpm install)` };
    return { ok: true, addon: mod as unknown as NativeAddon };
  } catch (e) {
    return { ok: false, reason: `${addonPath} did not load: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels touch. */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface Args {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

const saved = new Map<string, tf.KernelConfig>();
let active: { readonly threads: number; readonly fused: boolean } | null = null;

export interface NativeStatus {
  readonly active: boolean;
  /** Only the products (BatchMatMul) run natively. */
  readonly productsOnly: boolean;
  readonly threads: number;
}

/** Whether the native kernels are registered on the wasm backend. */
export function nativeKernelsStatus(): NativeStatus {
  return { active: active !== null, productsOnly: active !== null && !active.fused, threads: active?.threads ?? 0 };
}

export type RegisterResult = { readonly registered: true; readonly threads: number } | { readonly registered: false; readonly reason: string };

function input(args: Args, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`native kernel: missing input "${name}"`);
  if (t.dtype !== "float32") throw new Error(`native kernel: input "${name}" is ${t.dtype}, expected float32`);
  return t;
}

function num(args: Args, name: string): number {
  const v = args.attrs?.[name];
  if (typeof v !== "number") throw new Error(`native kernel: attribute "${name}" is ${JSON.stringify(v)}, expected a number`);
  return v;
}

/** The `count` attribute of a kernel over many parameters (inputs suffixed 0 .. count - 1). */
function countOf(args: Args, kernel: string): number {
  const count = num(args, "count");
  if (!Number.isInteger(count) || count < 1) throw new Error(`${kernel}: count ${count} is not a positive integer`);
  return count;
}

/** Offsets of tensors on the wasm heap, and the heap itself; read after every makeOutput (malloc may grow it). */
function heapOf(backend: WasmBackendLike): { buffer: ArrayBuffer; off: (t: tf.TensorInfo) => number } {
  return {
    buffer: backend.wasm.HEAPU8.buffer as ArrayBuffer,
    off: (t) => {
      const info = backend.dataIdMap.get(t.dataId);
      if (info === undefined) throw new Error("native kernel: a tensor is not on the wasm heap");
      return info.memoryOffset;
    },
  };
}

function matMulKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const dim = (shape: readonly number[], i: number): number => shape[i] ?? 1;
    const m = attrs.transposeA ? dim(a.shape, ra - 1) : dim(a.shape, ra - 2);
    const k = attrs.transposeA ? dim(a.shape, ra - 2) : dim(a.shape, ra - 1);
    const kb = attrs.transposeB ? dim(b.shape, rb - 1) : dim(b.shape, rb - 2);
    const n = attrs.transposeB ? dim(b.shape, rb - 2) : dim(b.shape, rb - 1);
    if (k !== kb) {
      throw new Error(`matMul: inner sizes ${k} and ${kb} of shapes [${a.shape.join(",")}] and [${b.shape.join(",")}] differ.`);
    }
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    // Only equal batches or a batch of one broadcast map to strided sgemm calls; anything else keeps the wasm kernel.
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return fallback(args);
    const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const out = backend.makeOutput([...outer, m, n], "float32");
    const h = heapOf(backend);
    const batch = Math.max(batchA, batchB);
    addon.sgemmBatched(h.buffer, batch, m, n, k, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0, h.off(a), batchA === 1 ? 0 : m * k, h.off(b), batchB === 1 ? 0 : k * n, h.off(out), m * n);
    return out;
  };
}

/** Swapping the last two axes (the leading axes in order) runs natively; every other permutation stays in wasm. */
function transposeKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    const r = x.shape.length;
    const swapLast = r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
    if (x.dtype !== "float32" || !swapLast || tf.util.sizeFromShape(x.shape) < 1024) return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const rows = x.shape[r - 2] as number;
    const cols = x.shape[r - 1] as number;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, -2));
    const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], "float32");
    const h = heapOf(backend);
    addon.transpose3(h.buffer, outer, rows, cols, h.off(x), h.off(out));
    return out;
  };
}

/**
 * Identity (what tfjs runs to keep a tensor for a gradient, hundreds of times a step) shares the data and counts one
 * more reference, as tfjs's cpu backend does, instead of copying it: no kernel writes into its inputs.
 */
function identityKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    if (x.dtype === "string") return fallback(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** Tile (what broadcastTo runs) of float32 or int32 tensors up to rank 6 as block copies; anything else stays in wasm. */
function tileKernel(addon: NativeAddon, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs["x"] as tf.TensorInfo;
    const reps = (args.attrs as unknown as { reps: number[] }).reps;
    const r = x.shape.length;
    if ((x.dtype !== "float32" && x.dtype !== "int32") || r < 1 || r > 6 || reps.length !== r) return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(x.shape.map((d, i) => d * (reps[i] as number)), x.dtype);
    const h = heapOf(backend);
    const pad = (a: readonly number[]): number[] => [...a, ...Array<number>(6 - a.length).fill(1)];
    addon.tile(h.buffer, r, h.off(x), h.off(out), ...pad(x.shape), ...pad(reps));
    return out;
  };
}

type FusedKernel = (args: Args) => tf.TensorInfo | tf.TensorInfo[];

function fusedKernels(addon: NativeAddon): Record<(typeof FUSED_KERNEL_NAMES)[number], FusedKernel> {
  const be = (args: Args): WasmBackendLike => args.backend as WasmBackendLike;
  const ropeOffsets = (args: Args, h: ReturnType<typeof heapOf>, seq: number, hd: number): [number, number, number] => {
    const cos = args.inputs["cos"];
    const sin = args.inputs["sin"];
    if (cos === undefined || sin === undefined) return [0, 0, 0];
    const [c, s] = [input(args, "cos"), input(args, "sin")];
    if (c.shape[0] !== seq || c.shape[1] !== hd || s.shape[0] !== seq || s.shape[1] !== hd) {
      throw new Error(`TrmAttention: RoPE tables [${c.shape.join(",")}] / [${s.shape.join(",")}] are not [${seq}, ${hd}]`);
    }
    return [1, h.off(c), h.off(s)];
  };
  /** [batch, seq, D, inner, tokens, width] of a SwiGLU block call, checked against the weights. */
  const blockShape = (args: Args, name: string): [number, number, number, number, number, number] => {
    const [x, wgu, wd] = [input(args, "x"), input(args, "wGateUp"), input(args, "wDown")];
    const [b, s, tokens] = [num(args, "batch"), num(args, "seq"), num(args, "tokens") === 0 ? 0 : 1];
    const d = x.shape[1] as number;
    const f = wd.shape[0] as number;
    const w = tokens === 1 ? s : d;
    const ok = x.shape.length === 2 && x.shape[0] === b * s && wgu.shape[0] === w && wgu.shape[1] === 2 * f && wd.shape[1] === w;
    if (!ok) {
      throw new Error(`${name}: x [${x.shape.join(",")}], wGateUp [${wgu.shape.join(",")}], wDown [${wd.shape.join(",")}] do not fit batch ${b}, seq ${s}, tokens ${tokens}`);
    }
    return [b, s, d, f, tokens, w];
  };
  /** [batch, seq, numHeads, D, hd] of an attention sub-block call, checked against the weights. */
  const attentionBlockShape = (args: Args, name: string): [number, number, number, number, number] => {
    const [x, wq, wo] = [input(args, "x"), input(args, "wQkv"), input(args, "wO")];
    const [b, s, nh] = [num(args, "batch"), num(args, "seq"), num(args, "numHeads")];
    const d = x.shape[1] as number;
    const ok = x.shape.length === 2 && x.shape[0] === b * s && d % nh === 0 && wq.shape[0] === d && wq.shape[1] === 3 * d && wo.shape[0] === d && wo.shape[1] === d;
    if (!ok) {
      throw new Error(`${name}: x [${x.shape.join(",")}], wQkv [${wq.shape.join(",")}], wO [${wo.shape.join(",")}] do not fit batch ${b}, seq ${s}, ${nh} heads`);
    }
    return [b, s, nh, d, d / nh];
  };
  /** AdamATan2 / AdamW on the parameters p<i>, m<i>, v<i>, g<i> for each suffix i: [p0', m0', v0', p1', ...]. */
  const adamUpdates = (args: Args, suffixes: readonly string[]): tf.TensorInfo[] => {
    const kind = args.attrs?.["kind"];
    if (kind !== "atan2" && kind !== "adamw") throw new Error(`TrmAdamUpdate: kind ${JSON.stringify(kind)} is not "atan2" or "adamw"`);
    const hyper = ["lr", "beta1", "beta2", "bc1", "bc2Sqrt", "decay", "eps"].map((n) => num(args, n));
    const groups = suffixes.map((i) => {
      const [p, m, v, g] = ["p", "m", "v", "g"].map((n) => input(args, n + i)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const n = tf.util.sizeFromShape(p.shape);
      if ([m, v, g].some((t) => tf.util.sizeFromShape(t.shape) !== n)) {
        throw new Error(`TrmAdamUpdate: p${i} [${p.shape.join(",")}], m${i}, v${i} and g${i} differ in size`);
      }
      return { p, m, v, g, n };
    });
    // Fresh outputs, so no tensor the caller still holds changes; makeOutput may grow the heap, so offsets come after.
    const outs = groups.map(({ p }) => [0, 1, 2].map(() => be(args).makeOutput([...p.shape], "float32")));
    const h = heapOf(be(args));
    groups.forEach(({ p, m, v, g, n }, j) => {
      const [po, mo, vo] = outs[j] as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      addon.adamUpdate(h.buffer, n, kind === "atan2" ? 0 : 1, ...hyper, h.off(p), h.off(m), h.off(v), h.off(g), h.off(po), h.off(mo), h.off(vo));
    });
    return outs.flat();
  };
  return {
    TrmSwiGLUBlock: (args) => {
      const [b, s, d, f, tokens] = blockShape(args, "TrmSwiGLUBlock");
      const rows = tokens === 1 ? b * d : b * s;
      const y = be(args).makeOutput([b * s, d], "float32");
      const r = be(args).makeOutput([rows], "float32");
      const gu = be(args).makeOutput([rows, 2 * f], "float32");
      const h = heapOf(be(args));
      const [x, wgu, wd] = ["x", "wGateUp", "wDown"].map((n) => h.off(input(args, n)));
      addon.swigluBlock(h.buffer, b, s, d, f, tokens, num(args, "eps"), x!, wgu!, wd!, h.off(y), h.off(r), h.off(gu));
      return [y, r, gu];
    },
    TrmSwiGLUBlockGrad: (args) => {
      const [b, s, d, f, tokens, w] = blockShape(args, "TrmSwiGLUBlockGrad");
      const dx = be(args).makeOutput([b * s, d], "float32");
      const dwgu = be(args).makeOutput([w, 2 * f], "float32");
      const dwd = be(args).makeOutput([f, w], "float32");
      const h = heapOf(be(args));
      const offs = ["x", "wGateUp", "wDown", "gu", "y", "r", "dy"].map((n) => h.off(input(args, n)));
      addon.swigluBlockGrad(h.buffer, b, s, d, f, tokens, ...offs, h.off(dx), h.off(dwgu), h.off(dwd));
      return [dx, dwgu, dwd];
    },
    TrmLinearGrad: (args) => {
      const [x, w, dy] = [input(args, "x"), input(args, "w"), input(args, "dy")];
      const [m, k] = x.shape as [number, number];
      const n = w.shape[1] as number;
      const dx = be(args).makeOutput([m, k], "float32");
      const dw = be(args).makeOutput([k, n], "float32");
      const h = heapOf(be(args));
      addon.linearGrad(h.buffer, m, k, n, h.off(x), h.off(w), h.off(dy), h.off(dx), h.off(dw));
      return [dx, dw];
    },
    TrmRmsNorm: (args) => {
      const x = input(args, "x");
      const cols = x.shape[x.shape.length - 1] ?? 1;
      const rows = tf.util.sizeFromShape(x.shape) / cols;
      const y = be(args).makeOutput([...x.shape], "float32");
      const r = be(args).makeOutput([...x.shape.slice(0, -1), 1], "float32");
      const h = heapOf(be(args));
      addon.rmsNorm(h.buffer, rows, cols, num(args, "eps"), h.off(x), h.off(y), h.off(r));
      return [y, r];
    },
    TrmRmsNormGrad: (args) => {
      const [y, r, dy] = [input(args, "y"), input(args, "r"), input(args, "dy")];
      const cols = y.shape[y.shape.length - 1] ?? 1;
      const rows = tf.util.sizeFromShape(y.shape) / cols;
      const dx = be(args).makeOutput([...y.shape], "float32");
      const h = heapOf(be(args));
      addon.rmsNormGrad(h.buffer, rows, cols, h.off(y), h.off(r), h.off(dy), h.off(dx));
      return dx;
    },
    TrmSwiGLU: (args) => {
      const [x, wg, wu, wd] = [input(args, "x"), input(args, "wGate"), input(args, "wUp"), input(args, "wDown")];
      const [m, d] = x.shape as [number, number];
      const [f, e] = wd.shape as [number, number];
      const out = be(args).makeOutput([m, e], "float32");
      const g = be(args).makeOutput([m, f], "float32");
      const u = be(args).makeOutput([m, f], "float32");
      const h = heapOf(be(args));
      addon.swiglu(h.buffer, m, d, f, e, h.off(x), h.off(wg), h.off(wu), h.off(wd), h.off(out), h.off(g), h.off(u));
      return [out, g, u];
    },
    TrmSwiGLUGrad: (args) => {
      const names = ["x", "wGate", "wUp", "wDown", "g", "u", "dy"] as const;
      const [x, wg, wu, wd, g, u, dy] = names.map((n) => input(args, n)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const [m, d] = x.shape as [number, number];
      const [f, e] = wd.shape as [number, number];
      const dx = be(args).makeOutput([m, d], "float32");
      const dwg = be(args).makeOutput([d, f], "float32");
      const dwu = be(args).makeOutput([d, f], "float32");
      const dwd = be(args).makeOutput([f, e], "float32");
      const h = heapOf(be(args));
      addon.swigluGrad(h.buffer, m, d, f, e, h.off(x), h.off(wg), h.off(wu), h.off(wd), h.off(g), h.off(u), h.off(dy), h.off(dx), h.off(dwg), h.off(dwu), h.off(dwd));
      return [dx, dwg, dwu, dwd];
    },
    TrmAttention: (args) => {
      const qkv = input(args, "qkv");
      const [b, s, nh] = [num(args, "batch"), num(args, "seq"), num(args, "numHeads")];
      const d = (qkv.shape[1] as number) / 3;
      const hd = d / nh;
      const out = be(args).makeOutput([b * s, d], "float32");
      const q = be(args).makeOutput([b * nh, s, hd], "float32");
      const k = be(args).makeOutput([b * nh, s, hd], "float32");
      const p = be(args).makeOutput([b * nh, s, s], "float32");
      const h = heapOf(be(args));
      const [rope, cos, sin] = ropeOffsets(args, h, s, hd);
      addon.attention(h.buffer, b, s, nh, hd, rope, h.off(qkv), cos, sin, h.off(out), h.off(q), h.off(k), h.off(p));
      return [out, q, k, p];
    },
    TrmAttentionBlock: (args) => {
      const [b, s, nh, d, hd] = attentionBlockShape(args, "TrmAttentionBlock");
      const y = be(args).makeOutput([b * s, d], "float32");
      const r = be(args).makeOutput([b * s], "float32");
      const qkv = be(args).makeOutput([b * s, 3 * d], "float32");
      const heads = be(args).makeOutput([b * s, d], "float32");
      const q = be(args).makeOutput([b * nh, s, hd], "float32");
      const k = be(args).makeOutput([b * nh, s, hd], "float32");
      const p = be(args).makeOutput([b * nh, s, s], "float32");
      const h = heapOf(be(args));
      const [rope, cos, sin] = ropeOffsets(args, h, s, hd);
      const [x, wq, wo] = ["x", "wQkv", "wO"].map((n) => h.off(input(args, n)));
      addon.attentionBlock(h.buffer, b, s, nh, hd, rope, num(args, "eps"), cos, sin, x!, wq!, wo!, ...[y, r, qkv, heads, q, k, p].map((t) => h.off(t)));
      return [y, r, qkv, heads, q, k, p];
    },
    TrmAttentionBlockGrad: (args) => {
      const [b, s, nh, d, hd] = attentionBlockShape(args, "TrmAttentionBlockGrad");
      const dx = be(args).makeOutput([b * s, d], "float32");
      const dwq = be(args).makeOutput([d, 3 * d], "float32");
      const dwo = be(args).makeOutput([d, d], "float32");
      const h = heapOf(be(args));
      const [rope, cos, sin] = ropeOffsets(args, h, s, hd);
      const offs = ["x", "wQkv", "wO", "y", "r", "qkv", "heads", "q", "k", "p", "dy"].map((n) => h.off(input(args, n)));
      addon.attentionBlockGrad(h.buffer, b, s, nh, hd, rope, cos, sin, ...offs, h.off(dx), h.off(dwq), h.off(dwo));
      return [dx, dwq, dwo];
    },
    TrmAttentionGrad: (args) => {
      const qkv = input(args, "qkv");
      const [b, s, nh] = [num(args, "batch"), num(args, "seq"), num(args, "numHeads")];
      const d = (qkv.shape[1] as number) / 3;
      const hd = d / nh;
      const dqkv = be(args).makeOutput([b * s, 3 * d], "float32");
      const h = heapOf(be(args));
      const [rope, cos, sin] = ropeOffsets(args, h, s, hd);
      addon.attentionGrad(h.buffer, b, s, nh, hd, rope, h.off(qkv), cos, sin, h.off(input(args, "q")), h.off(input(args, "k")), h.off(input(args, "p")), h.off(input(args, "dy")), h.off(dqkv));
      return dqkv;
    },
    TrmEmaUpdateMany: (args) => {
      const rate = num(args, "rate");
      const pairs = Array.from({ length: countOf(args, "TrmEmaUpdateMany") }, (_, i) => {
        const [s, p] = [input(args, `s${i}`), input(args, `p${i}`)];
        const n = tf.util.sizeFromShape(s.shape);
        if (tf.util.sizeFromShape(p.shape) !== n) throw new Error(`TrmEmaUpdateMany: s${i} [${s.shape.join(",")}] and p${i} [${p.shape.join(",")}] differ in size`);
        return { s, p, n };
      });
      const outs = pairs.map(({ s }) => be(args).makeOutput([...s.shape], "float32"));
      const h = heapOf(be(args));
      pairs.forEach(({ s, p, n }, i) => addon.emaUpdate(h.buffer, n, rate, h.off(s), h.off(p), h.off(outs[i]!)));
      return outs;
    },
    TrmAdamUpdate: (args) => adamUpdates(args, [""]),
    TrmAdamUpdateMany: (args) => adamUpdates(args, Array.from({ length: countOf(args, "TrmAdamUpdateMany") }, (_, i) => String(i))),
  };
}

/**
 * Registers the native kernels on the wasm backend: its `BatchMatMul` (every transpose flag and batch shape through
 * sgemm) and last-two-axes `Transpose`, plus the fused kernels `@trm/core` looks up (see {@link FUSED_KERNEL_NAMES}).
 * `productsOnly` registers just `BatchMatMul`. Call after `tf.setBackend("wasm")`. Without the addon this does nothing
 * and says why; the pure-wasm kernels stay.
 */
export function registerNativeKernels(options: { readonly addonPath?: string; readonly productsOnly?: boolean } = {}): RegisterResult {
  if (active !== null) unregisterNativeKernels();
  if (tf.getBackend() !== "wasm") return { registered: false, reason: `the active backend is "${tf.getBackend()}", not wasm` };
  const loaded = loadNativeKernels(options.addonPath);
  if (!loaded.ok) return { registered: false, reason: loaded.reason };
  const heap = (tf.backend() as unknown as WasmBackendLike).wasm.HEAPU8.buffer;
  if (!(heap instanceof ArrayBuffer)) {
    // The threaded wasm build's heap is a SharedArrayBuffer; the addon takes only plain ArrayBuffers.
    return { registered: false, reason: "the wasm heap is not a plain ArrayBuffer (threaded build?)" };
  }
  const addon = loaded.addon;
  const replace = (name: string, make: (fallback: tf.KernelFunc) => tf.KernelFunc): void => {
    const previous = tf.getKernel(name, "wasm");
    if (previous === undefined) return;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...previous, kernelFunc: make(previous.kernelFunc) });
    saved.set(name, previous);
  };
  replace(tf.BatchMatMul, (f) => matMulKernel(addon, f));
  if (options.productsOnly !== true) {
    replace(tf.Transpose, (f) => transposeKernel(addon, f));
    replace(tf.Tile, (f) => tileKernel(addon, f));
    replace(tf.Identity, (f) => identityKernel(f));
    const fused = fusedKernels(addon);
    for (const name of FUSED_KERNEL_NAMES) {
      tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: fused[name] });
    }
  }
  active = { threads: addon.threads, fused: options.productsOnly !== true };
  return { registered: true, threads: addon.threads };
}

/** Puts the pure-wasm kernels back and removes the fused ones. */
export function unregisterNativeKernels(): void {
  if (active === null) return;
  for (const [name, config] of saved) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(config);
  }
  saved.clear();
  if (active.fused) for (const name of FUSED_KERNEL_NAMES) tf.unregisterKernel(name, "wasm");
  active = null;
}
