/*
 * A restricted reader of the pickles inside `torch.save` archives (`data.pkl`). It interprets only the opcodes that
 * describe containers of tensors (dicts, OrderedDicts, lists, tuples, numbers, strings, booleans, None, the memo) and
 * resolves only an allow-list of globals (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
 * _rebuild_parameter, the torch.*Storage types). Nothing is ever executed: a global is a name compared against the
 * allow-list, and a tensor becomes a reference to a storage entry of the archive. Every other opcode or global is
 * refused with a {@link TorchCheckpointError} naming it and its byte offset.
 */

/** What went wrong, for callers that branch on it. */
export type TorchCheckpointErrorCode =
  | "FORBIDDEN_OPCODE"
  | "FORBIDDEN_GLOBAL"
  | "TRUNCATED"
  | "CORRUPT"
  | "UNSUPPORTED"
  | "NAMES"
  | "NOT_A_CHECKPOINT";

/** A `torch.save` file this reader refuses or cannot read. The message names the file and, where known, the byte offset. */
export class TorchCheckpointError extends Error {
  constructor(
    readonly code: TorchCheckpointErrorCode,
    readonly source: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${detail}`, options);
    this.name = "TorchCheckpointError";
  }
}

/** The element types of torch storages; the reader materialises F32, F16 and BF16 (to float32). */
export type TorchDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

/** `torch.<Name>Storage` -> element type and size in bytes. */
export const TORCH_STORAGE_TYPES: Readonly<Record<string, { dtype: TorchDtype; bytes: number }>> = {
  DoubleStorage: { dtype: "F64", bytes: 8 },
  FloatStorage: { dtype: "F32", bytes: 4 },
  HalfStorage: { dtype: "F16", bytes: 2 },
  BFloat16Storage: { dtype: "BF16", bytes: 2 },
  LongStorage: { dtype: "I64", bytes: 8 },
  IntStorage: { dtype: "I32", bytes: 4 },
  ShortStorage: { dtype: "I16", bytes: 2 },
  CharStorage: { dtype: "I8", bytes: 1 },
  ByteStorage: { dtype: "U8", bytes: 1 },
  BoolStorage: { dtype: "BOOL", bytes: 1 },
};

/** A storage of the archive (`<prefix>/data/<key>`), as a persistent id names it. */
export interface TorchStorageRef {
  readonly kind: "storage";
  readonly key: string;
  readonly dtype: TorchDtype;
  readonly elementBytes: number;
  /** Elements the storage holds, as the pickle states it. */
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage (not read yet). */
export interface TorchTensorRef {
  readonly kind: "tensor";
  readonly storage: TorchStorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** A Python tuple (kept apart from lists so the shapes of arguments can be checked). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

export type PickleKey = string | number | bigint | boolean | null;

/** A dict or OrderedDict, in insertion order. `attributes` holds what BUILD set on it (an OrderedDict's `_metadata`). */
export class PickleDict {
  readonly entries = new Map<PickleKey, PickleValue>();
  attributes: PickleDict | null = null;
}

/** An allowed global, by its qualified name. It is only ever compared, never called. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | TorchStorageRef
  | TorchTensorRef;

const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  ...Object.keys(TORCH_STORAGE_TYPES).map((n) => `torch.${n}`),
]);

/** Every pickle opcode (protocols 0-5), for naming a refused one. */
const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x28: "MARK", 0x2e: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT", 0x4a: "BININT",
  0x4b: "BININT1", 0x4c: "LONG", 0x4d: "BININT2", 0x4e: "NONE", 0x50: "PERSID", 0x51: "BINPERSID", 0x52: "REDUCE",
  0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND",
  0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT", 0x7d: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET",
  0x69: "INST", 0x6a: "LONG_BINGET", 0x6c: "LIST", 0x5d: "EMPTY_LIST", 0x6f: "OBJ", 0x70: "PUT", 0x71: "BINPUT",
  0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
  0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
  0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET",
  0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
  0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
};

/** "REDUCE (0x52 'R')": an opcode by name, hex and character. */
export function describeOpcode(op: number): string {
  const ch = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : "";
  return `${OPCODE_NAMES[op] ?? "unknown opcode"} (0x${op.toString(16).padStart(2, "0")}${ch})`;
}

const typeName = (v: PickleValue): string => {
  if (v === null) return "None";
  if (Array.isArray(v)) return "list";
  if (v instanceof PickleTuple) return "tuple";
  if (v instanceof PickleDict) return "dict";
  if (v instanceof PickleGlobal) return `global ${v.qualified}`;
  if (typeof v === "object") return v.kind;
  return typeof v;
};

export interface UnpickleOptions {
  /** Named in every error: the archive and entry, e.g. `step_100:archive/data.pkl`. */
  readonly source?: string;
}

/**
 * Interprets a `torch.save` pickle without executing anything. Returns the unpickled object, in which tensors are
 * {@link TorchTensorRef}s. Throws {@link TorchCheckpointError} for any opcode or global outside the allow-list, for
 * truncated input and for malformed tensor descriptions.
 */
export function unpickleTorch(bytes: Uint8Array, options: UnpickleOptions = {}): PickleValue {
  const source = options.source ?? "data.pkl";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  const storages = new Map<string, TorchStorageRef>();
  let pos = 0;
  let opAt = 0;

  const fail = (code: TorchCheckpointErrorCode, detail: string): never => {
    throw new TorchCheckpointError(code, source, `byte ${opAt}: ${detail}`);
  };
  const need = (n: number, what: string): number => {
    if (n > bytes.length - pos) fail("TRUNCATED", `${what} needs ${n} bytes, only ${bytes.length - pos} remain (truncated pickle)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (what: string) => view.getUint8(need(1, what));
  const u16 = (what: string) => view.getUint16(need(2, what), true);
  const u32 = (what: string) => view.getUint32(need(4, what), true);
  const u64 = (what: string): number => {
    const at = need(8, what);
    const v = view.getBigUint64(at, true);
    if (v > BigInt(bytes.length)) fail("TRUNCATED", `${what} of ${v} bytes runs past the end of the pickle`);
    return Number(v);
  };
  const text = (n: number, what: string): string => {
    const at = need(n, what);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch {
      return fail("CORRUPT", `${what} is not valid UTF-8`);
    }
  };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("TRUNCATED", `${what} has no terminating newline (truncated pickle)`);
    const s = new TextDecoder("latin1").decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail("CORRUPT", "stack underflow");
    return stack.pop() as PickleValue;
  };
  const top = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail("CORRUPT", "stack underflow");
    return stack[stack.length - 1] as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail("CORRUPT", "no MARK on the stack");
    return stack.splice(m);
  };
  const key = (k: PickleValue): PickleKey => {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
    return fail("UNSUPPORTED", `a dict key must be a string, number, boolean or None, got ${typeName(k)}`);
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof PickleDict)) fail("UNSUPPORTED", `SETITEM(S) on a ${typeName(target)}, not a dict`);
    if (items.length % 2 !== 0) fail("CORRUPT", "SETITEMS with an odd number of items");
    for (let i = 0; i < items.length; i += 2) (target as PickleDict).entries.set(key(items[i]!), items[i + 1]!);
  };
  const appendItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target)) fail("UNSUPPORTED", `APPEND(S) on a ${typeName(target)}, not a list`);
    for (const item of items) (target as PickleValue[]).push(item); // no spread: a list may be longer than the call stack
  };
  const global = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(qualified)) {
      fail("FORBIDDEN_GLOBAL", `global ${JSON.stringify(qualified)} is not allowed (a state dict of tensors needs only ${[...ALLOWED_GLOBALS].slice(0, 3).join(", ")} and torch.*Storage)`);
    }
    return new PickleGlobal(module, name);
  };
  const int = (v: PickleValue, what: string): number => {
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
    return fail("CORRUPT", `${what} must be a non-negative integer, got ${typeName(v)}${typeof v === "number" || typeof v === "bigint" ? ` ${v}` : ""}`);
  };
  const ints = (v: PickleValue, what: string): number[] => {
    if (!(v instanceof PickleTuple)) return fail("CORRUPT", `${what} must be a tuple, got ${typeName(v)}`);
    return v.items.map((x, i) => int(x, `${what}[${i}]`));
  };
  const persistent = (pid: PickleValue): TorchStorageRef => {
    const items = pid instanceof PickleTuple ? pid.items : null;
    if (items === null || items.length !== 5 || items[0] !== "storage") {
      return fail("UNSUPPORTED", `persistent id must be ('storage', type, key, location, numel), got ${typeName(pid)}`);
    }
    const [, type, k, location, n] = items;
    if (!(type instanceof PickleGlobal) || type.module !== "torch" || !Object.hasOwn(TORCH_STORAGE_TYPES, type.name)) {
      return fail("UNSUPPORTED", `persistent id names storage type ${typeName(type!)}, not a torch.*Storage`);
    }
    if (typeof k !== "string" || !/^[A-Za-z0-9_]+$/.test(k)) return fail("CORRUPT", `storage key ${JSON.stringify(k)} must be a plain name`);
    if (typeof location !== "string") return fail("CORRUPT", `storage location must be a string, got ${typeName(location!)}`);
    const numel = int(n!, "storage size");
    const { dtype, bytes: elementBytes } = TORCH_STORAGE_TYPES[type.name]!;
    const seen = storages.get(k);
    if (seen !== undefined) {
      if (seen.dtype !== dtype || seen.numel !== numel) fail("CORRUPT", `storage "${k}" is described twice with different types or sizes`);
      return seen;
    }
    const ref: TorchStorageRef = { kind: "storage", key: k, dtype, elementBytes, numel };
    storages.set(k, ref);
    return ref;
  };
  const reduce = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!(fn instanceof PickleGlobal)) return fail("UNSUPPORTED", `REDUCE calls a ${typeName(fn)}, not an allowed global`);
    if (!(args instanceof PickleTuple)) return fail("CORRUPT", `REDUCE arguments must be a tuple, got ${typeName(args)}`);
    const a = args.items;
    switch (fn.qualified) {
      case "collections.OrderedDict":
        if (a.length !== 0) fail("UNSUPPORTED", "collections.OrderedDict is only allowed without arguments");
        return new PickleDict();
      case "torch._utils._rebuild_tensor_v2": {
        if (a.length < 6 || a.length > 7) fail("UNSUPPORTED", `_rebuild_tensor_v2 takes 6 or 7 arguments, got ${a.length}`);
        const storage = a[0]!;
        if (typeof storage !== "object" || storage === null || !("kind" in storage) || storage.kind !== "storage") {
          return fail("CORRUPT", `_rebuild_tensor_v2's storage is a ${typeName(storage)}`);
        }
        const offset = int(a[1]!, "storage offset");
        const shape = ints(a[2]!, "size");
        const stride = ints(a[3]!, "stride");
        if (shape.length !== stride.length) fail("CORRUPT", `size has ${shape.length} dimensions and stride ${stride.length}`);
        if (typeof a[4] !== "boolean") fail("CORRUPT", `requires_grad must be a bool, got ${typeName(a[4]!)}`);
        const hooks = a[5]!;
        if (!(hooks instanceof PickleDict) || hooks.entries.size !== 0) fail("UNSUPPORTED", "a tensor with backward hooks");
        return { kind: "tensor", storage, offset, shape, stride };
      }
      case "torch._utils._rebuild_parameter": {
        const t = a[0];
        if (a.length !== 3 || typeof t !== "object" || t === null || !("kind" in t) || t.kind !== "tensor") {
          return fail("CORRUPT", "_rebuild_parameter takes (tensor, requires_grad, hooks)");
        }
        const hooks = a[2]!;
        if (!(hooks instanceof PickleDict) || hooks.entries.size !== 0) fail("UNSUPPORTED", "a parameter with backward hooks");
        return t;
      }
      default:
        return fail("FORBIDDEN_GLOBAL", `REDUCE of ${fn.qualified} is not allowed (it is only a storage type)`);
    }
  };

  for (;;) {
    opAt = pos;
    const op = u8("an opcode");
    switch (op) {
      case 0x80: // PROTO
        if (u8("PROTO") > 5) fail("UNSUPPORTED", `pickle protocol ${bytes[pos - 1]} (at most 5 is known)`);
        break;
      case 0x95: // FRAME: a length prefix only
        u64("FRAME");
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail("CORRUPT", `STOP with ${stack.length} values and ${marks.length} marks on the stack`);
        return stack[0]!;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x64: {
        // DICT
        const d = new PickleDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4, "BININT"), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8("BININT1"));
        break;
      case 0x4d: // BININT2
        stack.push(u16("BININT2"));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8("LONG1");
        if (n > 8) fail("UNSUPPORTED", `LONG1 of ${n} bytes (integers above 64 bits)`);
        const at = need(n, "LONG1");
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! >= 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(view.getFloat64(need(8, "BINFLOAT"), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32("BINUNICODE length"), "BINUNICODE"));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8("SHORT_BINUNICODE length"), "SHORT_BINUNICODE"));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64("BINUNICODE8 length"), "BINUNICODE8"));
        break;
      case 0x71: // BINPUT
        memo.set(u8("BINPUT"), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32("LONG_BINPUT"), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8("BINGET") : u32("LONG_BINGET");
        if (!memo.has(i)) fail("CORRUPT", `memo entry ${i} was never stored`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line("GLOBAL module");
        stack.push(global(module, line("GLOBAL name")));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("CORRUPT", "STACK_GLOBAL needs two strings");
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: only an OrderedDict's attribute dict (state_dict()'s `_metadata`)
        const state = pop();
        const obj = top();
        if (!(obj instanceof PickleDict) || !(state instanceof PickleDict)) {
          fail("UNSUPPORTED", `BUILD of a ${typeName(obj)} with a ${typeName(state)} state (only a dict's attributes are allowed)`);
        }
        (obj as PickleDict).attributes = state as PickleDict;
        break;
      }
      default:
        fail("FORBIDDEN_OPCODE", `opcode ${describeOpcode(op)} is not allowed in a state dict of tensors`);
    }
  }
}
