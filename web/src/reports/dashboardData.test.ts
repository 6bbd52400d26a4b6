import type { TenantReport, UnitRow } from "../api/types";
import { courseChart, headline, monthsOfYear, planChart, unitChildren, unitTrail } from "./dashboardData";

const metrics = { enrollments: 0, completions: 0, certificates: 0, completion_rate: 0 };
const unit = (id: string, path: string[], name: string, learners: number): UnitRow =>
  ({ ...metrics, unit_id: id, code: id, name, path, learners });
const units = [unit("root", ["root"], "Sở Nội vụ", 4), unit("b", ["root", "b"], "Phòng Tổng hợp", 1),
  unit("a", ["root", "a"], "Ban Đào tạo", 3), unit("x", ["root", "a", "x"], "Tổ 1", 2)];

const report = {
  ...metrics, learners: 4, seats_used: 3, learner_quota: 20000, enrollments: 7, completions: 2, certificates: 1,
  active_learners: { by_month: { "2026-03": 2, "2026-11": 3 }, by_year: { "2026": 4, "2025": 9 } },
  by_unit: units, by_course: [
    { ...metrics, course_id: "c1", code: "C1", title: "Ít", national: false, status: "published", by_year: {}, enrollments: 1 },
    { ...metrics, course_id: "c2", code: "C2", title: "Nhiều", national: true, status: "published", by_year: {}, enrollments: 5, completions: 2 }],
  by_month: [{ ...metrics, month: "2026-03", active_learners: 2, completions: 1 }, { ...metrics, month: "2025-12", active_learners: 9, completions: 4 }],
  plan_vs_actual: [{ ...metrics, year: 2026, planned_courses: 3, planned_learners: 50, courses_run: 2, learners_trained: 1,
    courses_achievement_pct: 66.7, learners_achievement_pct: 2, active_learners: 4 }],
} as unknown as TenantReport;

describe("dashboard data", () => {
  it("takes the year's distinct active learners, not a sum of months", () => {
    expect(headline(report, 2026)).toMatchObject({ learners: 4, seatsUsed: 3, quota: 20000, activeLearners: 4 });
    expect(headline(report, 2024).activeLearners).toBe(0);
  });

  it("shows the 12 months of the chosen year, empty months at 0, other years left out", () => {
    const spec = monthsOfYear(report, 2026);
    expect(spec.categories).toHaveLength(12);
    expect(spec.series[0]).toEqual({ key: "completions", values: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    expect(spec.series[1].values[2]).toBe(2);
  });

  it("drills down one level at a time, in Vietnamese name order, with a breadcrumb", () => {
    expect(unitChildren(units, null).map((u) => u.unit_id)).toEqual(["root"]);
    expect(unitChildren(units, "root").map((u) => u.name)).toEqual(["Ban Đào tạo", "Phòng Tổng hợp"]);
    expect(unitTrail(units, "x").map((u) => u.unit_id)).toEqual(["root", "a", "x"]);
    expect(unitTrail(units, null)).toEqual([]);
  });

  it("charts courses by enrollments, most first, and plan beside actual (no plan: 0)", () => {
    expect(courseChart(report.by_course).categories).toEqual(["Nhiều", "Ít"]);
    expect(courseChart(report.by_course, 1).series[0].values).toEqual([5]);
    expect(planChart(report, 2026).series).toEqual([{ key: "planned", values: [3, 50] }, { key: "actual", values: [2, 1] }]);
    expect(planChart(report, 2025).series[0].values).toEqual([0, 0]);
  });
});
