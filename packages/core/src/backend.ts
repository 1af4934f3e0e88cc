import * as tf from "@tensorflow/tfjs";

/** The backends a user can ask for. `auto` picks the fastest one that loads here. */
export type BackendRequest = "auto" | "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
/** A backend that actually runs. */
export type BackendName = Exclude<BackendRequest, "auto">;

export const BACKEND_NAMES: readonly BackendRequest[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

export interface BackendInfo {
  /** What was asked for. */
  readonly requested: BackendRequest;
  /** What runs. */
  readonly name: BackendName;
  /** The tfjs backend id (`tensorflow`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  /** Why `auto` skipped each faster backend, in the order they were tried. */
  readonly fallbacks: readonly string[];
  /** The one line that tells which backend runs, and why when `auto` fell back. */
  readonly message: string;
}

export interface UseBackendOptions {
  /** Where the one-line backend message goes; `null` for silence. Default: stderr. */
  readonly log?: ((line: string) => void) | null;
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
  wasm: "Reinstall the dependencies of @trm/core: @tensorflow/tfjs-backend-wasm@4.22.0 ships its .wasm binaries inside the npm package.",
  cpu: "The cpu backend ships with @tensorflow/tfjs; reinstall the dependencies of @trm/core.",
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

async function tryLoad(name: BackendName): Promise<void> {
  switch (name) {
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
      return;
    }
    case "tensorflow": {
      try {
        await importOptional("@tensorflow/tfjs-node");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-node did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("tensorflow"))) throw new BackendUnavailableError(name, "the tensorflow backend did not initialise.");
      return;
    }
    case "wasm": {
      try {
        await import("@tensorflow/tfjs-backend-wasm");
      } catch (e) {
        throw new BackendUnavailableError(name, `@tensorflow/tfjs-backend-wasm did not load (${errorText(e)}).`);
      }
      if (!(await tf.setBackend("wasm"))) throw new BackendUnavailableError(name, "the wasm backend did not initialise.");
      return;
    }
    case "cpu": {
      if (!(await tf.setBackend("cpu"))) throw new BackendUnavailableError(name, "the cpu backend did not initialise.");
      return;
    }
  }
}

const AUTO_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

let current: BackendInfo | null = null;

/**
 * Selects the TensorFlow.js backend and prints one line saying which runs.
 *
 * `auto` tries tfjs-node-gpu (when it loads and sees a GPU), then tfjs-node, then wasm (SIMD), then cpu, and says why
 * it skipped each. An explicit request that cannot load throws {@link BackendUnavailableError} with install steps.
 */
export async function useBackend(request: BackendRequest = "auto", options: UseBackendOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(request)) {
    throw new Error(`Unknown backend "${String(request)}": expected one of ${BACKEND_NAMES.join(", ")}.`);
  }
  tf.enableProdMode();
  const fallbacks: string[] = [];
  let chosen: BackendName | null = null;
  if (request === "auto") {
    for (const name of AUTO_ORDER) {
      try {
        await tryLoad(name);
        chosen = name;
        break;
      } catch (e) {
        fallbacks.push(`${name}: ${e instanceof BackendUnavailableError ? errorText(e).replace(/^Backend "[^"]+" is not available: /, "") : errorText(e)}`);
      }
    }
    if (chosen === null) throw new Error(`No TensorFlow.js backend could load:\n  ${fallbacks.join("\n  ")}`);
  } else {
    await tryLoad(request);
    chosen = request;
  }
  await tf.ready();
  const tfBackend = tf.getBackend();
  const message =
    request === "auto" && fallbacks.length > 0
      ? `backend: ${chosen} (auto; skipped ${fallbacks.join("; ")})`
      : `backend: ${chosen}${request === "auto" ? " (auto)" : ""}`;
  current = { requested: request, name: chosen, tfBackend, fallbacks, message };
  const log = options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log;
  log?.(message);
  return current;
}

/** The backend chosen by the last {@link useBackend} call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}
