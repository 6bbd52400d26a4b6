// The national dashboard as an XLSX workbook, written in the browser (write-excel-file, loaded
// only when the operator exports): the table and the submissions board with the focal contacts
// the reports service does not hold (they come from accounts' tenant list).
import type { NationalReport } from "../api/types";
import type { Board } from "./nationalData";

type Cell = { value?: string | number; fontWeight?: "bold" };
type Text = (key: string) => string;

const COLUMNS = ["code", "name", "learners", "seats_used", "learner_quota", "enrollments", "completions",
  "completion_rate", "certificates", "planned_learners", "learners_trained"] as const;

export function nationalSheets(report: NationalReport, rows: NationalReport["tenants"], board: Board, t: Text) {
  const head = (labels: string[]): Cell[] => labels.map((value) => ({ value, fontWeight: "bold" }));
  const table: Cell[][] = [head(COLUMNS.map((c) => t(`operator.columns.${c}`)))];
  for (const row of rows) table.push(COLUMNS.map((c) => ({ value: row[c] ?? undefined })));
  const submissions: Cell[][] = [head(["state", "code", "name", "submitted_at", "contact", "mobile", "email"]
    .map((c) => t(`operator.board.columns.${c}`)))];
  for (const [state, entries] of [["onTime", board.onTime], ["late", board.late], ["missing", board.missing]] as const) {
    for (const { row, contact } of entries) {
      submissions.push([t(`operator.board.${state}`), row.code, row.name, row.year_end.submitted_at ?? "",
        contact?.full_name ?? "", contact?.mobile ?? "", contact?.email ?? ""].map((value) => ({ value })));
    }
  }
  return [
    { data: table, sheet: t("operator.national.sheet").slice(0, 31) },
    { data: submissions, sheet: t("operator.board.sheet").slice(0, 31) },
  ].map((s) => ({ ...s, year: report.year }));
}

export async function saveNationalXlsx(sheets: ReturnType<typeof nationalSheets>, filename: string) {
  const { default: writeXlsxFile } = await import("write-excel-file/browser");
  const blob = await writeXlsxFile(sheets.map(({ data, sheet }) => ({ data, sheet }))).toBlob();
  const { saveBlob } = await import("../components/download");
  saveBlob(blob, filename);
}
