/**
 * A small seeded PRNG (mulberry32) so that initialisation and halting exploration replay exactly. tfjs has no global
 * seed (its initialisers ignore theirs), and core does not import `@trm/data`, so core carries its own.
 */
export type Rng = () => number;

/** Uniform [0, 1) numbers from a 32-bit seed. Same seed, same sequence. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}.`);
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller on two uniforms). */
export function normal(rng: Rng): number {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
