import { describe, expect, it } from "vitest";
import type { EditableCourse } from "../api/types";
import { blankCourse, blankLesson, coursePayload, courseProblems, flattenErrors, fromCourse, LESSON_KINDS } from "./courseForm";

describe("course form", () => {
  it("asks for a code, a title and at least one lesson", () => {
    expect(courseProblems(blankCourse(), true)).toEqual({
      code: "admin.course.errors.code", title: "admin.course.errors.required", sections: "admin.course.errors.noLessons" });
  });

  it("checks each kind's content", () => {
    const course = { ...blankCourse(), code: "KNS-01", title: "Kỹ năng số",
      sections: [{ title: "Phần 1", lessons: LESSON_KINDS.map((k) => ({ ...blankLesson(k), title: "Bài" })) }] };
    expect(Object.keys(courseProblems(course, true)).sort()).toEqual([
      "sections.0.lessons.0.video_url", "sections.0.lessons.1.document_id", "sections.0.lessons.2.html",
      "sections.0.lessons.3.quiz.questions.0.options", "sections.0.lessons.3.quiz.questions.0.text",
      "sections.0.lessons.4.package_url"]);
  });

  it("wants exactly one correct option in a single-choice question, at least one in a multiple", () => {
    const quiz = { ...blankLesson("quiz"), title: "Kiểm tra" };
    quiz.quiz!.questions = [
      { text: "Câu 1", kind: "single", points: 1, options: [{ text: "A", correct: true }, { text: "B", correct: true }] },
      { text: "Câu 2", kind: "multiple", points: 1, options: [{ text: "A", correct: false }, { text: "B", correct: false }] }];
    const problems = courseProblems({ ...blankCourse(), title: "T", sections: [{ title: "", lessons: [quiz] }] }, false);
    expect(problems).toEqual({
      "sections.0.lessons.0.quiz.questions.0.correct": "admin.course.errors.singleCorrect",
      "sections.0.lessons.0.quiz.questions.1.correct": "admin.course.errors.multipleCorrect" });
  });

  it("sends only the lesson kind's fields, the code only on creation, and keeps ids", () => {
    const video = { ...blankLesson("video"), title: " Giới thiệu ", video_url: "https://v.example/a.mp4", html: "<p>x</p>", lesson_id: "l1" };
    const created = coursePayload({ ...blankCourse(), code: " C-1 ", title: "T", sections: [{ title: "", lessons: [video] }] }, true);
    expect(created.code).toBe("C-1");
    expect(created.sections[0].lessons[0]).toEqual({
      lesson_id: "l1", title: "Giới thiệu", kind: "video", required: true, video_url: "https://v.example/a.mp4", duration_seconds: null });
    expect("code" in coursePayload({ ...blankCourse(), code: "C-1", title: "T" }, false)).toBe(false);
  });

  it("drops the read-only fields of a course read back from the API", () => {
    const course = { course_id: "c", title: "T", description: "", topic: null, estimated_hours: 2, target_categories: [],
      completion_rule: { min_average_quiz_score: 70 }, sections: [{ section_id: "s1", title: "P1", lessons: [
        { lesson_id: "l1", section_id: "s1", title: "Q", kind: "quiz", required: true, quiz: { pass_mark: 50, max_attempts: null,
          questions: [{ question_id: "q1", text: "?", kind: "single", points: 1, options: [{ option_id: "o1", text: "A", correct: true }] }] } }] }],
    } as unknown as EditableCourse;
    const form = fromCourse(course);
    expect(form.min_average_quiz_score).toBe(70);
    expect(form.audience_tenant_ids).toBeNull(); // every tenant, sent back as such
    const national = fromCourse({ ...course, national: true, owner_tenant_id: null, audience_tenant_ids: ["t1"] });
    expect(coursePayload(national, false).audience_tenant_ids).toEqual(["t1"]); // a save keeps the audience
    expect(form.sections[0].lessons[0]).toEqual({ lesson_id: "l1", title: "Q", kind: "quiz", required: true, quiz: {
      pass_mark: 50, max_attempts: null, questions: [{ question_id: "q1", text: "?", kind: "single", points: 1,
        options: [{ option_id: "o1", text: "A", correct: true }] }] } });
  });

  it("maps the API's nested errors to the form's paths", () => {
    expect(flattenErrors({ title: ["Missing data for required field."],
      sections: { "0": { lessons: { "1": { video_url: ["Not a valid URL.", "x"] } } } } }))
      .toEqual({ title: "Missing data for required field.", "sections.0.lessons.1.video_url": "Not a valid URL." });
  });
});
