// CSV files made in the browser (the enrollments export). Cells that a spreadsheet would run
// as a formula (=, +, -, @, tab, CR at the start) are prefixed with ' (OWASP CSV injection).
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** UTF-8 with a BOM so that spreadsheet programs read Vietnamese correctly. */
export function csvText(header: string[], rows: unknown[][]): string {
  return "\ufeff" + [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export function csvBlob(header: string[], rows: unknown[][]): Blob {
  return new Blob([csvText(header, rows)], { type: "text/csv;charset=utf-8" });
}
