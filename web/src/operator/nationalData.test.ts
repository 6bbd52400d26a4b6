import type { NationalRow, Tenant } from "../api/types";
import { completionsChart, sortRows, submissionsBoard } from "./nationalData";

function row(code: string, name: string, extra: Partial<NationalRow> = {}): NationalRow {
  return {
    tenant_id: `id-${code}`, code, name, kind: "province", status: "active", learners: 0, seats_used: 0,
    learner_quota: 20000, courses: 0, enrollments: 0, completions: 0, certificates: 0, completion_rate: 0,
    planned_courses: null, planned_learners: null, courses_run: 0, learners_trained: 0, year_end_submitted: false,
    year_end: { submitted: false, version: null, submitted_at: null, late: null }, ...extra,
  };
}

const rows = [
  row("HN", "Hà Nội", { completions: 5, planned_learners: 100 }),
  row("DN", "Đà Nẵng", { completions: 9, year_end_submitted: true, year_end: { submitted: true, version: 2, submitted_at: "2026-12-20T01:00:00Z", late: true } }),
  row("BN", "Bắc Ninh", { completions: 5, planned_learners: 50, year_end_submitted: true, year_end: { submitted: true, version: 1, submitted_at: "2026-12-02T01:00:00Z", late: false } }),
];

describe("national dashboard", () => {
  it("sorts numbers both ways, ties by code", () => {
    expect(sortRows(rows, "completions", "desc").map((r) => r.code)).toEqual(["DN", "BN", "HN"]);
    expect(sortRows(rows, "completions", "asc").map((r) => r.code)).toEqual(["BN", "HN", "DN"]);
  });

  it("sorts names in Vietnamese order (Đ after D, before H)", () => {
    expect(sortRows(rows, "name", "asc").map((r) => r.name)).toEqual(["Bắc Ninh", "Đà Nẵng", "Hà Nội"]);
  });

  it("puts tenants without a plan last in both orders", () => {
    expect(sortRows(rows, "planned_learners", "asc").map((r) => r.code)).toEqual(["BN", "HN", "DN"]);
    expect(sortRows(rows, "planned_learners", "desc").map((r) => r.code)).toEqual(["HN", "BN", "DN"]);
  });

  it("splits the submissions board and gives the missing ones their focal contact", () => {
    const contact = { full_name: "Nguyễn Văn Ân", mobile: "0912345678", email: "an@example.vn" };
    const board = submissionsBoard(rows, [{ tenant_id: "id-HN", focal_contact: contact } as Tenant]);
    expect(board.onTime.map((e) => e.row.code)).toEqual(["BN"]);
    expect(board.late.map((e) => e.row.code)).toEqual(["DN"]);
    expect(board.missing).toEqual([{ row: rows[0], contact }]);
  });

  it("charts completions by tenant code", () => {
    expect(completionsChart(rows)).toEqual({ categories: ["HN", "DN", "BN"], series: [{ key: "completions", values: [5, 9, 5] }] });
  });
});
