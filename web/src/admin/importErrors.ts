// An import job's errors as a spreadsheet user finds them: the row number as the file shows it
// (header = row 1; the API counts so) and the column by letter and header, e.g. "C (email)".
import type { ImportError } from "../api/types";

export type ErrorLine = { row: string; column: string; message: string; key: string };

/** Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** File-level problems first, then by row, then by column letter (A, B, ..., Z, AA). */
export function errorLines(errors: ImportError[], wholeFile: string, say: (message: string) => string = (m) => m): ErrorLine[] {
  const colKey = (e: ImportError) => (e.column_letter ?? "").padStart(3, " ");
  return [...errors]
    .sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || colKey(a).localeCompare(colKey(b)))
    .map((e, i) => ({
      key: `${e.row}-${e.column}-${i}`,
      row: e.row === null ? wholeFile : String(e.row),
      column: e.column_letter && e.column ? `${e.column_letter} (${e.column})` : e.column ?? "",
      message: say(e.message),
    }));
}

/** 0-100 for a progress bar; null while the total is unknown. */
export function percent(done: number | null | undefined, total: number | null | undefined): number | null {
  if (!total || total <= 0) return null;
  return Math.min(100, Math.round(((done ?? 0) / total) * 100));
}
