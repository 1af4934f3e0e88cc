import * as zlib from "node:zlib";
import { TorchCheckpointError } from "./torch-pickle.js";

/*
 * A bounds-checked reader of the zip archives `torch.save` writes: the central directory (ZIP64 included), stored and
 * deflated entries, CRC-32 checked. Entries are read on demand, so only what a caller asks for is inflated, and never
 * more than the size the directory declares.
 */

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Where the entry's (compressed) bytes start in the archive. */
  readonly dataOffset: number;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's uncompressed bytes (a view of the archive for stored entries). */
  read(name: string): Uint8Array;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Deflate cannot expand data more than about 1032:1; a larger declared size is a lie (a zip bomb or corruption). */
const MAX_DEFLATE_RATIO = 1032;
const MAX_ENTRIES = 1_000_000;

let crcTable: Uint32Array | null = null;
// Node >= 20.15 computes it natively; older versions use the table below.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE 802.3), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(bytes) >>> 0;
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Parses the central directory of a zip archive. Every error is a {@link TorchCheckpointError} naming `source`. */
export function openZip(bytes: Uint8Array, source: string): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (code: "TRUNCATED" | "CORRUPT" | "UNSUPPORTED", detail: string): never => {
    throw new TorchCheckpointError(code, source, detail);
  };
  const at = (offset: number, length: number, what: string): number => {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      fail("TRUNCATED", `${what} at byte ${offset} (${length} bytes) runs past the end of the archive (${bytes.length} bytes; truncated?)`);
    }
    return offset;
  };
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number, what: string): number => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("CORRUPT", `${what} ${v} is out of range`);
    return Number(v);
  };

  if (bytes.length < 22) fail("TRUNCATED", `${bytes.length} bytes is too short for a zip archive (truncated?)`);
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65535 bytes, at the very end.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (u32(i) === EOCD && i + 22 + u16(i + 20) === bytes.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("TRUNCATED", "no end-of-central-directory record: not a zip archive, or truncated");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(at(loc, 20, "ZIP64 locator")) !== ZIP64_LOCATOR) fail("CORRUPT", "ZIP64 sizes without a ZIP64 locator");
    const z = u64(loc + 8, "ZIP64 record offset");
    if (u32(at(z, 56, "ZIP64 end record")) !== ZIP64_EOCD) fail("CORRUPT", `no ZIP64 end record at byte ${z}`);
    count = u64(z + 32, "entry count");
    cdSize = u64(z + 40, "central directory size");
    cdOffset = u64(z + 48, "central directory offset");
  }
  if (count > MAX_ENTRIES) fail("CORRUPT", `${count} entries is above the limit of ${MAX_ENTRIES}`);
  at(cdOffset, cdSize, "central directory");

  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    at(p, 46, `central directory entry ${n}`);
    if (u32(p) !== CENTRAL) fail("CORRUPT", `central directory entry ${n} at byte ${p} has a bad signature`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    at(p + 46, nameLen + extraLen + commentLen, `central directory entry ${n}`);
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      return fail("CORRUPT", `central directory entry ${n} has a name that is not UTF-8`);
    }
    // ZIP64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (e + 4 + len > extraEnd) fail("CORRUPT", `entry "${name}": an extra field runs past its entry`);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (what: string): number => {
          if (q + 8 > e + 4 + len) fail("CORRUPT", `entry "${name}": ZIP64 field lacks the ${what}`);
          const v = u64(q, `entry "${name}" ${what}`);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = next("size");
        if (compressedSize === 0xffffffff) compressedSize = next("compressed size");
        if (localOffset === 0xffffffff) localOffset = next("local header offset");
      }
      e += 4 + len;
    }
    p = extraEnd + commentLen;
    if (flags & 0x1) fail("UNSUPPORTED", `entry "${name}" is encrypted`);
    if (method !== 0 && method !== 8) fail("UNSUPPORTED", `entry "${name}" uses compression method ${method} (only stored and deflated are read)`);
    if (method === 0 && size !== compressedSize) fail("CORRUPT", `stored entry "${name}" declares ${size} bytes but holds ${compressedSize}`);
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail("CORRUPT", `entry "${name}" declares ${size} bytes from ${compressedSize} compressed: more than deflate can produce`);
    }
    at(localOffset, 30, `local header of "${name}"`);
    if (u32(localOffset) !== LOCAL) fail("CORRUPT", `entry "${name}": no local header at byte ${localOffset}`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    at(dataOffset, compressedSize, `data of "${name}"`);
    if (entries.has(name)) fail("CORRUPT", `entry "${name}" appears twice`);
    entries.set(name, { name, method, crc32: crc, compressedSize, size, dataOffset });
  }

  return {
    entries,
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (entry === undefined) return fail("CORRUPT", `the archive has no entry "${name}"`);
      const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
      let out: Uint8Array = raw;
      if (entry.method === 8) {
        try {
          out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
        } catch (e) {
          return fail("CORRUPT", `entry "${name}" does not inflate to its declared ${entry.size} bytes: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (out.length !== entry.size) fail("CORRUPT", `entry "${name}" inflates to ${out.length} bytes, ${entry.size} declared`);
      }
      const crc = crc32(out);
      if (crc !== entry.crc32) fail("CORRUPT", `entry "${name}" fails its CRC-32 check (corrupt archive)`);
      return out;
    },
  };
}
