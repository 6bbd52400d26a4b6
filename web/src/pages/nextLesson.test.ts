import type { LessonProgress, Progress } from "../api/types";
import { nextLesson } from "./nextLesson";

const lesson = (lesson_id: string, done: boolean, required = true) =>
  ({ lesson_id, title: lesson_id, kind: "video", required, done, done_at: null }) as LessonProgress;
const progress = (...lessons: LessonProgress[]) => ({ lessons }) as Progress;

describe("nextLesson", () => {
  it("is the first required lesson not done, then optional ones, then none", () => {
    expect(nextLesson(progress(lesson("a", true), lesson("b", false, false), lesson("c", false)))?.lesson_id).toBe("c");
    expect(nextLesson(progress(lesson("a", true), lesson("b", false, false)))?.lesson_id).toBe("b");
    expect(nextLesson(progress(lesson("a", true)))).toBeNull();
    expect(nextLesson(null)).toBeNull();
  });
});
