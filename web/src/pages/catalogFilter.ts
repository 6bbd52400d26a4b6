import type { CourseSummary } from "../api/types";

/** Case- and accent-insensitive match ("ky nang so" finds "Kỹ năng số"). */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

export function filterCourses(courses: CourseSummary[], query: string, topic: string): CourseSummary[] {
  const q = fold(query.trim());
  return courses.filter((c) => (!topic || c.topic === topic)
    && (!q || fold(`${c.title} ${c.code} ${c.topic ?? ""}`).includes(q)));
}

export function topicsOf(courses: CourseSummary[]): string[] {
  return [...new Set(courses.map((c) => c.topic).filter((t): t is string => !!t))].sort((a, b) => a.localeCompare(b, "vi"));
}
