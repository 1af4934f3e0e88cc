import { readFileSync, writeSync } from "node:fs";
import { writeFileAtomicSync } from "./atomic-write.js";
import { dataBytes, decodeNpy, npyHeader, type Npy, type NpyArray } from "../npy.js";

/** Reads and decodes an `.npy` file (see {@link decodeNpy}). */
export function readNpy(file: string): Npy {
  return decodeNpy(readFileSync(file), file);
}

/** Writes `data` with `shape` to `file` through a temporary file and a rename, so readers never see half a file. */
export function writeNpy(file: string, data: NpyArray, shape: readonly number[]): void {
  writeFileAtomicSync(file, (fd) => {
    writeSync(fd, npyHeader(data, shape));
    // Write in slices: large token arrays need not be copied whole.
    const chunk = 1 << 24;
    if (data instanceof Uint8Array) {
      for (let i = 0; i < data.length; i += chunk) writeSync(fd, data.subarray(i, i + chunk));
    } else {
      for (let i = 0; i < data.length; i += chunk / 4) writeSync(fd, dataBytes(data.subarray(i, i + chunk / 4)));
    }
  });
}
