import { Sha256, sha256Hex } from "./sha256.js";
import type { ArcPair } from "./arc.js";
import { DIHEDRAL_INVERSE, dihedralTransform, isDihedralId, type DihedralId } from "./dihedral.js";
import { invertPermutation, mapCells, type Grid } from "./grid.js";
import type { Rng } from "./rng.js";

/**
 * One ARC augmentation as the official builder: a dihedral transform and a colour permutation with black (0) fixed.
 * `colours[c]` is the new colour of colour c. Applied as colour map then dihedral (the two commute).
 */
export interface ArcAugmentation {
  readonly dihedral: DihedralId;
  readonly colours: readonly number[];
}

export const ARC_IDENTITY_AUGMENTATION: ArcAugmentation = { dihedral: 0, colours: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };

export function randomArcAugmentation(rng: Rng): ArcAugmentation {
  const dihedral = rng.int(0, 8) as DihedralId;
  const colours = [0, ...rng.permutation(9).map((c) => c + 1)];
  return { dihedral, colours };
}

export function applyArcAugmentation(g: Grid, aug: ArcAugmentation): Grid {
  return dihedralTransform(mapCells(g, aug.colours), aug.dihedral);
}

/** The augmentation that undoes `aug`: inverse dihedral, then inverse colour permutation. */
export function inverseArcAugmentation(aug: ArcAugmentation): ArcAugmentation {
  return { dihedral: DIHEDRAL_INVERSE[aug.dihedral] as DihedralId, colours: invertPermutation(aug.colours) };
}

/** Maps a grid in an augmented frame (e.g. a decoded prediction) back to the task's original frame, for voting. */
export function invertArcAugmentation(g: Grid, aug: ArcAugmentation): Grid {
  return applyArcAugmentation(g, inverseArcAugmentation(aug));
}

/** The variant's puzzle name: `{task}_t{dihedral}_{colour digits}`; the original keeps the bare task id. */
export function arcVariantName(taskId: string, aug: ArcAugmentation): string {
  return `${taskId}_t${aug.dihedral}_${aug.colours.join("")}`;
}

/**
 * Reads a puzzle name back into its task id and augmentation. Accepts our `{task}_t{t}_{digits}` and the
 * `{task}|||t{t}|||{digits}` form of the TinyRecursiveModels builder; a bare id is the identity.
 */
export function parseArcVariantName(name: string): { taskId: string; augmentation: ArcAugmentation } {
  const m = /^(.*?)(?:_t|\|\|\|t)([0-7])(?:_|\|\|\|)([0-9]{10})$/.exec(name);
  if (!m) return { taskId: name, augmentation: ARC_IDENTITY_AUGMENTATION };
  const colours = Array.from(m[3] ?? "", Number);
  const dihedral = Number(m[2]);
  const sorted = [...colours].sort((a, b) => a - b).join("");
  if (!isDihedralId(dihedral) || sorted !== "0123456789") return { taskId: name, augmentation: ARC_IDENTITY_AUGMENTATION };
  return { taskId: m[1] ?? name, augmentation: { dihedral, colours } };
}

function gridBytes(g: Grid): Uint8Array {
  const out = new Uint8Array(2 + g.cells.length);
  out[0] = g.rows;
  out[1] = g.cols;
  out.set(g.cells, 2);
  return out;
}

/**
 * Hash over all of a task's pairs (shape included, order-free), used to drop duplicate augmentations: a symmetric
 * task maps to itself under some transforms and those variants add nothing.
 */
export function arcPairsHash(pairs: readonly ArcPair[]): string {
  const parts = pairs.map((p) => {
    return new Sha256().update(gridBytes(p.input)).update(gridBytes(p.output)).hex();
  });
  parts.sort();
  return sha256Hex(parts.join("|"));
}
