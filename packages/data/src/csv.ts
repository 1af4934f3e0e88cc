import { DataError } from "./errors.js";

/** One CSV record with its 1-based line number in the file (the header is line 1). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: Record<string, string>;
}

/**
 * Splits CSV text (RFC 4180: quotes, doubled quotes, CRLF) into records keyed by the header. Every record must have
 * exactly the header's number of fields; `required` columns must be present in the header.
 */
export function parseCsv(text: string, file: string, required: readonly string[]): CsvRecord[] {
  const rows: { line: number; cells: string[] }[] = text.includes('"') ? splitQuoted(text, file) : splitPlain(text);
  if (text.charCodeAt(0) === 0xfeff) return parseCsv(text.slice(1), file, required);
  const header = rows.shift();
  if (!header) throw new DataError({ file, field: "header", expected: `a header row with ${required.join(",")}`, got: "an empty file" });
  const names = header.cells.map((c) => c.trim());
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new DataError({ file, location: "line 1", field: "header", expected: "each column name once", got: `"${twice}" twice` });
  for (const r of required) {
    if (!names.includes(r)) {
      throw new DataError({ file, location: "line 1", field: "header", expected: `a column "${r}"`, got: names.join(",") });
    }
  }
  return rows.map((r) => {
    if (r.cells.length !== names.length) {
      throw new DataError({
        file,
        location: `line ${r.line}`,
        field: "row",
        expected: `${names.length} fields (${names.join(",")})`,
        got: `${r.cells.length} fields`,
      });
    }
    const fields: Record<string, string> = {};
    names.forEach((n, i) => (fields[n] = r.cells[i] ?? ""));
    return { line: r.line, fields };
  });
}

/** Rows of text without quotes: a plain split (fast path for the large puzzle CSVs). */
function splitPlain(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length > 0) rows.push({ line: i + 1, cells: line.split(",") });
  });
  return rows;
}

/** Rows of RFC 4180 text with quoted fields. */
function splitQuoted(text: string, file: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
      any = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      if (any || cell.length > 0) rows.push({ line: rowLine, cells: [...cells, cell] });
      cells = [];
      cell = "";
      any = false;
      line++;
      rowLine = line;
    } else {
      cell += ch;
      any = true;
    }
  }
  if (quoted) throw new DataError({ file, location: `line ${rowLine}`, field: "quote", expected: "a closing double quote" });
  if (any || cell.length > 0) rows.push({ line: rowLine, cells: [...cells, cell] });

  return rows;
}
