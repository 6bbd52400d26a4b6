// Pure logic of the national dashboard: sorting its rows and the year-end submissions board.
import type { NationalRow, Tenant } from "../api/types";
import type { ChartSpec } from "../components/chartSpec";

export type SortKey = "code" | "name" | "learners" | "seats_used" | "enrollments" | "completions" | "completion_rate"
  | "certificates" | "planned_learners" | "learners_trained" | "year_end_submitted";
export type Order = "asc" | "desc";

/** Rows sorted by one column; empty values (no plan) last whatever the order, names in
 * Vietnamese collation (Đ after D), ties by code so the order is stable. */
export function sortRows(rows: NationalRow[], key: SortKey, order: Order): NationalRow[] {
  const sign = order === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === null || x === undefined) return y === null || y === undefined ? a.code.localeCompare(b.code) : 1;
    if (y === null || y === undefined) return -1;
    const c = typeof x === "string" ? x.localeCompare(y as string, "vi") : Number(x) - Number(y);
    return c !== 0 ? sign * c : a.code.localeCompare(b.code);
  });
}

export type BoardEntry = { row: NationalRow; contact: Tenant["focal_contact"] | null };
export type Board = { onTime: BoardEntry[]; late: BoardEntry[]; missing: BoardEntry[] };

/** Submitted on time, submitted late, and not submitted (with the focal contact to call). */
export function submissionsBoard(rows: NationalRow[], tenants: Tenant[]): Board {
  const contacts = new Map(tenants.map((t) => [t.tenant_id, t.focal_contact]));
  const board: Board = { onTime: [], late: [], missing: [] };
  for (const row of sortRows(rows, "code", "asc")) {
    const entry = { row, contact: contacts.get(row.tenant_id) ?? null };
    if (!row.year_end.submitted) board.missing.push(entry);
    else if (row.year_end.late) board.late.push(entry);
    else board.onTime.push(entry);
  }
  return board;
}

export function completionsChart(rows: NationalRow[]): ChartSpec {
  return { categories: rows.map((r) => r.code), series: [{ key: "completions", values: rows.map((r) => r.completions) }] };
}

export function planChart(rows: NationalRow[]): ChartSpec {
  return {
    categories: rows.map((r) => r.code),
    series: [
      { key: "planned_learners", values: rows.map((r) => r.planned_learners ?? 0) },
      { key: "learners_trained", values: rows.map((r) => r.learners_trained) },
    ],
  };
}
