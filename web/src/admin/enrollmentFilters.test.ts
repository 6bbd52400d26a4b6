import { describe, expect, it } from "vitest";
import type { Enrollment } from "../api/types";
import { matchesFilters } from "./enrollmentFilters";

const e = (status: string, source: string, intake_id: string | null) =>
  ({ enrollment_id: "e", course_id: "c", learner_id: "l", tenant_id: "t", unit_id: null, category: "cadre", intake_id,
    source, status, enrolled_at: "", cancelled_at: null }) as Enrollment;

describe("enrollment filters", () => {
  it("keeps what matches every filter set, ignores the empty ones", () => {
    expect(matchesFilters(e("active", "unit", "i1"), {})).toBe(true);
    expect(matchesFilters(e("active", "unit", "i1"), { status: "active", source: undefined, intake_id: "i1" })).toBe(true);
    expect(matchesFilters(e("cancelled", "unit", "i1"), { status: "active" })).toBe(false);
    expect(matchesFilters(e("active", "csv", null), { intake_id: "i1" })).toBe(false);
  });
});
