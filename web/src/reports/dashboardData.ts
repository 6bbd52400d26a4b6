// Pure shaping of the tenant report (GET /tenants/{id}/report) into what the dashboard shows:
// headline numbers, one chart's categories and series, and the unit tree's drill-down level.
import type { CourseRow, TenantReport, UnitRow } from "../api/types";
import type { ChartSpec } from "../components/chartSpec";

export type Headline = {
  learners: number; seatsUsed: number; quota: number | null; enrollments: number; completions: number;
  certificates: number; activeLearners: number;
};

/** Active learners are distinct per calendar period: the year's own count, not a sum of months. */
export function headline(report: TenantReport, year: number): Headline {
  return {
    learners: report.learners, seatsUsed: report.seats_used, quota: report.learner_quota,
    enrollments: report.enrollments, completions: report.completions, certificates: report.certificates,
    activeLearners: report.active_learners.by_year[String(year)] ?? 0,
  };
}

/** The twelve months of the year, months without activity at 0 (a gap would hide a fall). */
export function monthsOfYear(report: TenantReport, year: number): ChartSpec {
  const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`);
  const byMonth = new Map(report.by_month.map((m) => [m.month, m]));
  return {
    categories: months,
    series: [
      { key: "completions", values: months.map((m) => byMonth.get(m)?.completions ?? 0) },
      { key: "active_learners", values: months.map((m) => byMonth.get(m)?.active_learners ?? 0) },
    ],
  };
}

/** The parent of a unit row: the one before it in its path (null for a root). */
function parentOf(unit: UnitRow): string | null {
  return unit.path.length > 1 ? unit.path[unit.path.length - 2] : null;
}

/** The units directly below ``parentId`` (null: the roots), each with its subtree's numbers. */
export function unitChildren(units: UnitRow[], parentId: string | null): UnitRow[] {
  return units.filter((u) => u.unit_id !== null && parentOf(u) === parentId)
    .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "", "vi"));
}

/** The units from the root down to ``unitId`` (the drill-down's breadcrumb). */
export function unitTrail(units: UnitRow[], unitId: string | null): UnitRow[] {
  const unit = units.find((u) => u.unit_id === unitId);
  if (!unit) return [];
  return unit.path.map((id) => units.find((u) => u.unit_id === id)).filter((u): u is UnitRow => !!u);
}

export function unitChart(units: UnitRow[]): ChartSpec {
  return {
    categories: units.map((u) => u.name ?? u.code ?? "?"),
    series: [
      { key: "enrollments", values: units.map((u) => u.enrollments) },
      { key: "completions", values: units.map((u) => u.completions) },
    ],
  };
}

/** Courses by enrollments (most first), at most ``limit`` of them in the chart; the table beside
 * it lists every course. */
export function coursesByEnrollment(courses: CourseRow[]): CourseRow[] {
  return [...courses].sort((a, b) => b.enrollments - a.enrollments || (a.title ?? "").localeCompare(b.title ?? "", "vi"));
}

export function courseChart(courses: CourseRow[], limit = 10): ChartSpec {
  const top = coursesByEnrollment(courses).slice(0, limit);
  return {
    categories: top.map((c) => c.title ?? c.code ?? "?"),
    series: [
      { key: "enrollments", values: top.map((c) => c.enrollments) },
      { key: "completions", values: top.map((c) => c.completions) },
    ],
  };
}

/** Plan versus actual of a year: courses run and learners trained beside the plan (null: no plan). */
export function planChart(report: TenantReport, year: number): ChartSpec {
  const row = report.plan_vs_actual.find((p) => p.year === year);
  return {
    categories: ["courses", "learners"],
    series: [
      { key: "planned", values: [row?.planned_courses ?? 0, row?.planned_learners ?? 0] },
      { key: "actual", values: [row?.courses_run ?? 0, row?.learners_trained ?? 0] },
    ],
  };
}
