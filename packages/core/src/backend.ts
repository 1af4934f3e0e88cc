import type * as ChildProcess from "node:child_process";
import type * as NodeModule from "node:module";
import type * as NodeUrl from "node:url";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's main entry registers no gradients; training (tf.grads, tf.variableGrads, ...) needs them. In Node this
// is a bundle of tfjs-core's registrations, elsewhere tfjs-core's own module (package.json "imports").
import "#tfjs-gradients";

/** The backends a user can ask for. `auto` picks the fastest one that loads here. */
export type BackendRequest = "auto" | "tensorflow-gpu" | "webgpu" | "tensorflow" | "wasm" | "cpu";
/** A backend that actually runs. */
export type BackendName = Exclude<BackendRequest, "auto">;

export const BACKEND_NAMES: readonly BackendRequest[] = ["auto", "tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"];

/** The WebGPU adapter a `webgpu` backend runs on, from the adapter's info. */
export interface WebGpuAdapter {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP): correct but slow. */
  readonly software: boolean;
}

export interface BackendInfo {
  /** What was asked for. */
  readonly requested: BackendRequest;
  /** What runs. */
  readonly name: BackendName;
  /** The tfjs backend id (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  /** Why `auto` skipped each faster backend, in the order they were tried. */
  readonly fallbacks: readonly string[];
  /** The one line that tells which backend runs (and on which adapter for webgpu), and why when `auto` fell back. */
  readonly message: string;
  /** The adapter, when the backend is webgpu. */
  readonly adapter: WebGpuAdapter | null;
  /** wasm only: whether the optional native kernels (`@trm/native-kernels`) run under it, and why not. */
  readonly native: { readonly active: boolean; readonly detail: string } | null;
}

export interface UseBackendOptions {
  /** Where the one-line backend message goes; `null` for silence. Default: stderr. */
  readonly log?: ((line: string) => void) | null;
  /**
   * Options for Dawn, the WebGPU implementation used in Node (the `webgpu` package), as `key=value` strings:
   * `backend=vulkan|metal|d3d12|opengl`, `adapter=<name>`, `enable-dawn-features=a,b`, `disable-dawn-features=a,b`.
   * Ignored in a browser, where `navigator.gpu` comes from the browser.
   */
  readonly webgpuFlags?: readonly string[];
  /**
   * wasm: run the optional native kernels (`@trm/native-kernels`: system CBLAS products and the fused ops, both cores)
   * when they were built. Default true; `TRM_NATIVE_KERNELS=0` in the environment also turns them off.
   */
  readonly native?: boolean;
}

/** Raised when an explicitly requested backend cannot load. The message says how to install it. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    reason: string,
  ) {
    super(`Backend "${backend}" is not available: ${reason}\n${INSTALL_HINT[backend]}`);
    this.name = "BackendUnavailableError";
  }
}

const INSTALL_HINT: Record<BackendName, string> = {
  "tensorflow-gpu":
    "Install it with `pnpm add @tensorflow/tfjs-node-gpu@4.22.0` (or npm i). It needs Linux x86-64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1; " +
    'its install step downloads libtensorflow. Then call useBackend("tensorflow-gpu") or pass --backend tensorflow-gpu.',
  tensorflow:
    "Install it with `pnpm add @tensorflow/tfjs-node@4.22.0` (or npm i); its install step downloads libtensorflow. " +
    'Then call useBackend("tensorflow") or pass --backend tensorflow.',
  webgpu:
    "In Node, WebGPU comes from the optional dependency `webgpu` (Dawn, prebuilt for Linux x64/arm64, macOS and Windows; " +
    "`pnpm add webgpu@0.6.2` if it was skipped) and needs a GPU driver: Vulkan on Linux (e.g. `mesa-vulkan-drivers` " +
    "and `libvulkan1`, or the NVIDIA/AMD driver), Metal on macOS, D3D12 on Windows. Pass Dawn options with " +
    "--webgpu-flag (e.g. --webgpu-flag backend=vulkan). In a browser it needs navigator.gpu (Chrome/Edge 113+).",
  wasm: "Install the peer dependency of @trm/core: `npm i @tensorflow/tfjs-backend-wasm@4.22.0` (it ships its .wasm binaries inside the npm package).",
  cpu: "Install the peer dependency of @trm/core: `npm i @tensorflow/tfjs-backend-cpu@4.22.0`.",
};

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0] ?? text;
}

/** A dynamic import through a variable, so tsc and bundlers do not try to resolve these optional packages. */
const importOptional = (specifier: string): Promise<unknown> => import(specifier);

interface NodeBackendLike {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

interface LoadContext {
  /** True when the caller asked for this backend by name (software adapters are then accepted). */
  readonly explicit: boolean;
  readonly webgpuFlags: readonly string[];
}

/** What tryLoad learned about the backend it loaded. */
interface Loaded {
  readonly adapter: WebGpuAdapter | null;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<AdapterLike | null>;
}

/** Reads a WebGPU adapter's identity; `software` from the fallback flag or a known CPU implementation's name. */
export function describeAdapter(adapter: AdapterLike): WebGpuAdapter {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? "";
  const architecture = info.architecture ?? "";
  const device = info.device ?? "";
  const description = info.description ?? "";
  const software =
    info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** The adapter in one short phrase, for the backend line: `nvidia ampere, NVIDIA GeForce RTX 3080` or `mesa software, llvmpipe ... (software)`. */
export function adapterLabel(a: WebGpuAdapter): string {
  const head = [a.vendor, a.architecture].filter((x) => x !== "").join(" ");
  const parts = [head, a.description || a.device].filter((x) => x !== "");
  return `${parts.join(", ") || "unnamed adapter"}${a.software ? " (software)" : ""}`;
}

interface NavigatorHost {
  navigator?: { gpu?: GpuLike };
}

/** navigator.gpu from the browser, or from Dawn (`webgpu` package) in Node, installed on globalThis for tfjs. */
async function webGpuEntry(flags: readonly string[]): Promise<GpuLike> {
  const host = globalThis as unknown as NavigatorHost;
  if (host.navigator?.gpu) return host.navigator.gpu;
  let dawn: { create: (flags: string[]) => GpuLike; globals: object };
  try {
    dawn = (await importOptional("webgpu")) as typeof dawn;
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `this runtime has no navigator.gpu and the \`webgpu\` package (Dawn) did not load (${errorText(e)}).`);
  }
  let gpu: GpuLike;
  try {
    gpu = dawn.create([...flags]);
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `Dawn rejected the flags [${flags.join(", ")}] (${errorText(e)}).`);
  }
  // tfjs-webgpu reads GPUBufferUsage, GPUMapMode, ... and navigator.gpu from the global scope, as in a browser.
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  if (host.navigator === undefined) {
    Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(host.navigator, "gpu", { value: gpu, configurable: true, writable: true });
  }
  return gpu;
}

async function findAdapter(flags: readonly string[]): Promise<WebGpuAdapter> {
  const gpu = await webGpuEntry(flags);
  let raw: AdapterLike | null;
  try {
    // The same request tfjs-webgpu makes, so the adapter described here is the one it uses.
    raw = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `requesting a WebGPU adapter failed (${errorText(e)}).`);
  }
  if (raw === null) throw new BackendUnavailableError("webgpu", "no WebGPU adapter was found (no GPU driver that WebGPU supports).");
  return describeAdapter(raw);
}

/** What {@link probeWebGpu} found: the adapter, or why there is none. */
export type WebGpuProbe = { readonly adapter: WebGpuAdapter; readonly reason: null } | { readonly adapter: null; readonly reason: string };

/**
 * Looks for the WebGPU adapter `useBackend("webgpu")` would use, without selecting a backend (in Node it loads Dawn
 * from the `webgpu` package with `webgpuFlags`).
 */
export async function probeWebGpu(options: { readonly webgpuFlags?: readonly string[] } = {}): Promise<WebGpuProbe> {
  try {
    return { adapter: await findAdapter(options.webgpuFlags ?? []), reason: null };
  } catch (e) {
    return { adapter: null, reason: errorText(e).replace(/^Backend "webgpu" is not available: /, "") };
  }
}

/** Node (not a browser, not a runtime that already has navigator.gpu). */
function isNodeWithoutGpu(): boolean {
  const host = globalThis as unknown as NavigatorHost & { process?: { versions?: { node?: string } } };
  return host.navigator?.gpu === undefined && typeof host.process?.versions?.node === "string";
}

// Run by `node --input-type=module`: loads Dawn, asks for the adapter tfjs-webgpu would use and prints its info as JSON.
const ADAPTER_PROBE = `
const dawn = await import(process.env.TRM_DAWN_URL);
const gpu = dawn.create(JSON.parse(process.env.TRM_DAWN_FLAGS));
const a = await gpu.requestAdapter({ powerPreference: "high-performance" });
const i = a?.info ?? {};
process.stdout.write(JSON.stringify(a === null ? null : { info: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter }, isFallbackAdapter: a.isFallbackAdapter }));
process.exit(0);
`;

/**
 * In Node, `auto` looks at the WebGPU adapter in a child process before loading Dawn here: Dawn writes warnings of its
 * own straight to stderr (e.g. "maxDynamicUniformBuffersPerPipelineLayout artificially reduced" on Mesa's software
 * adapter), which would reach a user who never asked for WebGPU. Only a hardware adapter is then loaded in-process.
 */
async function adapterInChild(flags: readonly string[]): Promise<WebGpuAdapter> {
  const [{ execFile }, { createRequire }, { pathToFileURL }] = (await Promise.all([
    importOptional("node:child_process"),
    importOptional("node:module"),
    importOptional("node:url"),
  ])) as [typeof ChildProcess, typeof NodeModule, typeof NodeUrl];
  let dawnUrl: string;
  try {
    dawnUrl = pathToFileURL(createRequire(import.meta.url).resolve("webgpu")).href;
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `this runtime has no navigator.gpu and the \`webgpu\` package (Dawn) did not load (${errorText(e)}).`);
  }
  const env = { ...process.env, TRM_DAWN_URL: dawnUrl, TRM_DAWN_FLAGS: JSON.stringify(flags) };
  const out = await new Promise<{ stdout: string; stderr: string; error: Error | null }>((done) => {
    execFile(process.execPath, ["--input-type=module", "-e", ADAPTER_PROBE], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      done({ stdout: String(stdout), stderr: String(stderr), error }),
    );
  });
  let raw: AdapterLike | null | undefined;
  try {
    raw = out.error === null ? (JSON.parse(out.stdout) as AdapterLike | null) : undefined;
  } catch {
    raw = undefined;
  }
  if (raw === undefined) {
    const why = out.stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !/^at |^Warning:|^\^|^node:/.test(l)).pop() ?? errorText(out.error);
    throw new BackendUnavailableError("webgpu", `looking for a WebGPU adapter failed (${why}).`);
  }
  if (raw === null) throw new BackendUnavailableError("webgpu", "no WebGPU adapter was found (no GPU driver that WebGPU supports).");
  return describeAdapter(raw);
}

async function loadWebGpu(ctx: LoadContext): Promise<Loaded> {
  if (!ctx.explicit && isNodeWithoutGpu()) {
    const seen = await adapterInChild(ctx.webgpuFlags);
    if (seen.software) {
      throw new BackendUnavailableError("webgpu", `only a software adapter was found (${adapterLabel(seen)}); auto skips it, ask for it with --backend webgpu.`);
    }
  }
  const adapter = await findAdapter(ctx.webgpuFlags);
  if (adapter.software && !ctx.explicit) {
    throw new BackendUnavailableError(
      "webgpu",
      `only a software adapter was found (${adapterLabel(adapter)}); auto skips it, ask for it with --backend webgpu.`,
    );
  }
  try {
    if (tf.findBackendFactory("webgpu") === null) await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `@tensorflow/tfjs-backend-webgpu did not load (${errorText(e)}).`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend("webgpu");
  } catch (e) {
    throw new BackendUnavailableError("webgpu", `the webgpu backend did not initialise on ${adapterLabel(adapter)} (${errorText(e)}).`);
  }
  if (!ok) throw new BackendUnavailableError("webgpu", `the webgpu backend did not initialise on ${adapterLabel(adapter)}.`);
  return { adapter };
}

async function tryLoad(name: BackendName, ctx: LoadContext): Promise<Loaded> {
  const none: Loaded = { adapter: null };
  switch (name) {
    case "webgpu":
      return loadWebGpu(ctx);
    case "tensorflow-gpu": {
      try {
        await importOptional("@tensorflow/tfjs-node-gpu");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-node-gpu did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("tensorflow"))) throw new BackendUnavailableError(name, "the tensorflow backend did not initialise.");
      const b = tf.backend() as unknown as NodeBackendLike;
      if (!b.isGPUPackage || !b.isUsingGpuDevice) {
        throw new BackendUnavailableError(name, "@tensorflow/tfjs-node-gpu loaded but sees no GPU device.");
      }
      return none;
    }
    case "tensorflow": {
      try {
        await importOptional("@tensorflow/tfjs-node");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-node did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("tensorflow"))) throw new BackendUnavailableError(name, "the tensorflow backend did not initialise.");
      return none;
    }
    case "wasm": {
      try {
        if (tf.findBackendFactory("wasm") === null) await import("@tensorflow/tfjs-backend-wasm");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-backend-wasm did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("wasm"))) throw new BackendUnavailableError(name, "the wasm backend did not initialise.");
      return none;
    }
    case "cpu": {
      try {
        if (tf.findBackendFactory("cpu") === null) await import("@tensorflow/tfjs-backend-cpu");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-backend-cpu did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("cpu"))) throw new BackendUnavailableError(name, "the cpu backend did not initialise.");
      return none;
    }
  }
}

interface NativeKernelsModule {
  registerNativeKernels(): { registered: true; threads: number } | { registered: false; reason: string };
  unregisterNativeKernels(): void;
}

/** Registers the optional native kernels on the wasm backend, or says why they do not run. */
async function nativeKernels(wanted: boolean): Promise<{ active: boolean; detail: string }> {
  let mod: NativeKernelsModule;
  try {
    mod = (await importOptional("@trm/native-kernels")) as NativeKernelsModule;
  } catch (e) {
    return { active: false, detail: `@trm/native-kernels did not load (${errorText(e)})` };
  }
  if (!wanted) {
    mod.unregisterNativeKernels();
    return { active: false, detail: "turned off" };
  }
  const r = mod.registerNativeKernels();
  if (!r.registered) return { active: false, detail: r.reason };
  return { active: true, detail: `CBLAS products and fused ops, ${r.threads} thread${r.threads === 1 ? "" : "s"} for element-wise work` };
}

const AUTO_ORDER: readonly BackendName[] = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"];

let current: BackendInfo | null = null;

/**
 * Selects the TensorFlow.js backend and prints one line saying which runs.
 *
 * `auto` tries tfjs-node-gpu (when it loads and sees a GPU), then WebGPU on a hardware adapter, then tfjs-node, then
 * wasm (SIMD), then cpu, and says why it skipped each. A software WebGPU adapter (lavapipe, SwiftShader) runs only when
 * `webgpu` is asked for by name. An explicit request that cannot load throws {@link BackendUnavailableError} with
 * install steps.
 */
export async function useBackend(request: BackendRequest = "auto", options: UseBackendOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(request)) {
    throw new Error(`Unknown backend "${String(request)}": expected one of ${BACKEND_NAMES.join(", ")}.`);
  }
  tf.enableProdMode();
  const fallbacks: string[] = [];
  let chosen: BackendName | null = null;
  let loaded: Loaded = { adapter: null };
  const webgpuFlags = options.webgpuFlags ?? [];
  for (const flag of webgpuFlags) {
    if (!/^[a-z][a-z0-9-]*=/.test(flag)) throw new Error(`--webgpu-flag: expected key=value (e.g. backend=vulkan), got "${flag}".`);
  }
  if (request === "auto") {
    for (const name of AUTO_ORDER) {
      try {
        loaded = await tryLoad(name, { explicit: false, webgpuFlags });
        chosen = name;
        break;
      } catch (e) {
        fallbacks.push(`${name}: ${e instanceof BackendUnavailableError ? errorText(e).replace(/^Backend "[^"]+" is not available: /, "") : errorText(e)}`);
      }
    }
    if (chosen === null) throw new Error(`No TensorFlow.js backend could load:\n  ${fallbacks.join("\n  ")}`);
  } else {
    loaded = await tryLoad(request, { explicit: true, webgpuFlags });
    chosen = request;
  }
  await tf.ready();
  const tfBackend = tf.getBackend();
  const on = loaded.adapter ? ` on ${adapterLabel(loaded.adapter)}` : "";
  const native = tfBackend === "wasm" ? await nativeKernels(options.native ?? true) : null;
  const label = native === null ? `${chosen}${on}` : native.active ? `${chosen} + native kernels (${native.detail})` : `${chosen} (native kernels off: ${native.detail})`;
  const message =
    request === "auto" && fallbacks.length > 0
      ? `backend: ${label} (auto; skipped ${fallbacks.join("; ")})`
      : `backend: ${label}${request === "auto" ? " (auto)" : ""}`;
  current = { requested: request, name: chosen, tfBackend, fallbacks, message, adapter: loaded.adapter, native };
  const log = options.log === undefined ? defaultLog : options.log;
  log?.(message);
  return current;
}

function defaultLog(line: string): void {
  if (typeof process !== "undefined" && typeof process.stderr?.write === "function") process.stderr.write(`${line}\n`);
  else console.info(line);
}

/** The backend chosen by the last {@link useBackend} call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}
