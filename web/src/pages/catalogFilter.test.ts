import type { CourseSummary } from "../api/types";
import { filterCourses, topicsOf } from "./catalogFilter";

const course = (code: string, title: string, topic: string | null) => ({ code, title, topic }) as CourseSummary;
const all = [course("KNS", "Kỹ năng số cho cán bộ", "Chuyển đổi số"), course("ATTT", "An toàn thông tin", "An ninh mạng"),
  course("DDH", "Đạo đức công vụ", null)];

describe("catalog filter", () => {
  it("searches without accents or case", () => {
    expect(filterCourses(all, "ky nang SO", "").map((c) => c.code)).toEqual(["KNS"]);
    expect(filterCourses(all, "dao duc", "").map((c) => c.code)).toEqual(["DDH"]);
  });
  it("filters by topic and lists the topics in Vietnamese order", () => {
    expect(filterCourses(all, "", "An ninh mạng").map((c) => c.code)).toEqual(["ATTT"]);
    expect(topicsOf(all)).toEqual(["An ninh mạng", "Chuyển đổi số"]);
  });
});
