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
