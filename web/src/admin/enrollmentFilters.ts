// Filters of the enrollments list. The API lists a course's enrollments by page in insertion
// order and filters nothing (FerretDB would scan every enrollment of the course to sort or
// filter), so the page shown and the CSV export are filtered here, page by page.
import type { Enrollment } from "../api/types";

export type EnrollmentFilters = { status?: string; source?: string; intake_id?: string; category?: string };

export function matchesFilters(enrollment: Enrollment, filters: EnrollmentFilters): boolean {
  return (Object.entries(filters) as [keyof EnrollmentFilters, string | undefined][])
    .every(([key, value]) => !value || enrollment[key] === value);
}
