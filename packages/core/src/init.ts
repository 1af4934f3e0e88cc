import type { Rng } from "@trm/data";

/** A standard normal sample (Box-Muller on two uniforms). */
function normal(rng: Rng): number {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const LOWER = -2;
const UPPER = 2;

/**
 * The scale that makes a normal truncated to [-2, 2] standard deviations have standard deviation 1 again (the JAX-style
 * truncated normal the official code uses: its samples have exactly the requested std, bounds at +-2 * std / 0.8796).
 */
export const TRUNCATED_NORMAL_STD_CORRECTION: number = (() => {
  const sqrt2 = Math.SQRT2;
  const z = (erf(UPPER / sqrt2) - erf(LOWER / sqrt2)) / 2;
  const c = 1 / Math.sqrt(2 * Math.PI);
  const pdfU = c * Math.exp(-0.5 * LOWER * LOWER);
  const pdfL = c * Math.exp(-0.5 * UPPER * UPPER);
  return 1 / Math.sqrt(1 - (UPPER * pdfU - LOWER * pdfL) / z - ((pdfU - pdfL) / z) ** 2);
})();

/** erf by Abramowitz-Stegun 7.1.26 refined with a series for small |x|; only used for the constant above. */
function erf(x: number): number {
  // Maclaurin series converges quickly for |x| <= 3 with enough terms; we only call it at +-sqrt(2).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`init: shape [${shape.join(", ")}] has a bad dimension ${d}.`);
    n *= d;
  }
  return n;
}

/**
 * Truncated normal with standard deviation `std`, truncated at +-2 of its underlying sigma (JAX / official style).
 * Sampled by rejection from the seeded `rng`; `std` 0 gives zeros.
 */
export function truncatedNormal(shape: readonly number[], std: number, rng: Rng): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  if (std === 0) return out;
  const scale = std * TRUNCATED_NORMAL_STD_CORRECTION;
  for (let i = 0; i < out.length; i++) {
    let x = normal(rng);
    while (x < LOWER || x > UPPER) x = normal(rng);
    out[i] = x * scale;
  }
  return out;
}

/** LeCun truncated normal for a weight of fan-in `fanIn`: std 1 / sqrt(fanIn) (the official CastedLinear init). */
export function truncatedLecunNormal(shape: readonly number[], fanIn: number, rng: Rng): Float32Array {
  if (!(fanIn > 0)) throw new Error(`truncatedLecunNormal: fanIn must be positive, got ${fanIn}.`);
  return truncatedNormal(shape, 1 / Math.sqrt(fanIn), rng);
}
