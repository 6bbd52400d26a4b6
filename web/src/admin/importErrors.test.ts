import { describe, expect, it } from "vitest";
import { columnLetter, errorLines, percent } from "./importErrors";

describe("import errors as the spreadsheet shows them", () => {
  it("names columns by letter", () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter))
      .toEqual(["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
  });

  it("lists file-level problems first, then rows in order, columns A..Z before AA", () => {
    const lines = errorLines([
      { row: 5, column: "email", column_letter: "C", message: "Not a valid email address." },
      { row: 3, column: "x", column_letter: "AA", message: "unknown" },
      { row: 3, column: "username", column_letter: "A", message: "already taken" },
      { row: null, column: null, message: "Learner quota exceeded" },
      { row: 1, column: "category", message: "required column is missing" },
    ], "cả tệp");
    expect(lines.map((l) => [l.row, l.column])).toEqual([
      ["cả tệp", ""], ["1", "category"], ["3", "A (username)"], ["3", "AA (x)"], ["5", "C (email)"]]);
  });

  it("says each message in the admin's language when it can", () => {
    const lines = errorLines([{ row: 2, column: "email", column_letter: "C", message: "x" }], "", (m) => `«${m}»`);
    expect(lines[0].message).toBe("«x»");
  });

  it("computes a bounded percentage, unknown while the total is", () => {
    expect(percent(5, 40)).toBe(13);
    expect(percent(50, 40)).toBe(100);
    expect(percent(0, null)).toBeNull();
  });
});
