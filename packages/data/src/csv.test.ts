import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.js";

describe("parseCsv", () => {
  it("reads plain and quoted fields, CRLF, and numbers lines from 1 (header)", () => {
    expect(parseCsv("a,b\r\n1,2\r\n\r\n3,4", "f.csv", ["a"])).toEqual([
      { line: 2, fields: { a: "1", b: "2" } },
      { line: 4, fields: { a: "3", b: "4" } },
    ]);
    expect(parseCsv('a,b\n"x, ""y""",2\n', "f.csv", ["b"])).toEqual([{ line: 2, fields: { a: 'x, "y"', b: "2" } }]);
  });
  it("names the line of a row with the wrong number of fields and an unclosed quote", () => {
    expect(() => parseCsv("a,b\n1,2\n3\n", "f.csv", [])).toThrow('f.csv, line 3: field "row": expected 2 fields (a,b), got 1 fields');
    expect(() => parseCsv('a,b\n"1,2\n', "f.csv", [])).toThrow(/line 2: field "quote": expected a closing double quote/);
    expect(() => parseCsv("", "e.csv", ["a"])).toThrow(/e\.csv: field "header".*got an empty file/);
  });
});
