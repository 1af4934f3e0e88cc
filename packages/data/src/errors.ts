
/** Where a piece of bad input sits: the file, then a row, task id or other location inside it. */
export interface DataErrorDetails {
  /** File (or other source) the bad value came from. */
  readonly file: string;
  /** Row number, task id, example index: whatever locates the value inside `file`. */
  readonly location?: string;
  /** The field that is wrong (`question`, `train[2].input`, `shape`, ...). */
  readonly field: string;
  /** What was expected there, in words. */
  readonly expected: string;
  /** What was found (short; long values are cut). */
  readonly got?: string;
}

/**
 * Bad input. The message names the file, the row or task id, the field and what was expected, so the user can fix
 * the data without reading the code. Loaders throw it before returning anything: no partial results.
 */
export class DataError extends Error {
  readonly details: DataErrorDetails;

  constructor(details: DataErrorDetails) {
    const where = details.location === undefined ? details.file : `${details.file}, ${details.location}`;
    const got = details.got === undefined ? "" : `, got ${shorten(details.got)}`;
    super(`${where}: field "${details.field}": expected ${details.expected}${got}`);
    this.name = "DataError";
    this.details = details;
  }
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * A short description of a JSON value for an error message: the value itself when small, its kind and size when
 * large or too deeply nested to print.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v) && v.length > 40) return `an array of ${v.length} items`;
  try {
    const s = JSON.stringify(v) as string | undefined;
    return shorten(s ?? typeof v);
  } catch {
    return Array.isArray(v) ? `a deeply nested array of ${v.length} item(s)` : `a deeply nested ${typeof v}`;
  }
}
