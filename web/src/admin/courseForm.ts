// The course editor's model: the API's editable course (CourseIn), a blank lesson of each of
// the five kinds, the checks the form makes before sending (the API checks again and its
// per-field errors are shown too), and the payload sent (only the fields of the lesson's kind).
import type { CourseIn, EditableCourse, LessonIn, LessonKind, QuizQuestionIn, SectionIn } from "../api/types";

export const LESSON_KINDS: readonly LessonKind[] = ["video", "document", "rich_text", "quiz", "external_package"];
export const PACKAGE_STANDARDS = ["scorm12", "scorm2004", "xapi", "cmi5", "other"] as const;
export const CATEGORIES = ["cadre", "civil_servant", "public_employee", "worker", "citizen"] as const;

export function blankQuestion(): QuizQuestionIn {
  return { text: "", kind: "single", points: 1, options: [{ text: "", correct: true }, { text: "", correct: false }] };
}

export function blankLesson(kind: LessonKind): LessonIn {
  const base = { title: "", kind, required: true };
  switch (kind) {
    case "video": return { ...base, video_url: "", duration_seconds: null };
    case "document": return { ...base, document_id: null };
    case "rich_text": return { ...base, html: "" };
    case "quiz": return { ...base, quiz: { pass_mark: 80, max_attempts: 3, questions: [blankQuestion()] } };
    case "external_package": return { ...base, package_url: "", package_standard: "scorm2004" };
  }
}

export function blankCourse(): CourseIn {
  return { code: "", title: "", description: "", topic: null, estimated_hours: null, target_categories: [],
    min_average_quiz_score: null, sections: [{ title: "", lessons: [] }] };
}

/** The editable part of a course the API returned (its lessons carry read-only fields the
 *  API refuses on write, such as `section_id`). */
export function fromCourse(course: EditableCourse): CourseIn {
  return {
    title: course.title, description: course.description ?? "", topic: course.topic,
    estimated_hours: course.estimated_hours, target_categories: course.target_categories ?? [],
    min_average_quiz_score: course.completion_rule?.min_average_quiz_score ?? null,
    audience_tenant_ids: course.audience_tenant_ids ?? null,
    sections: (course.sections ?? []).map((s) => ({
      section_id: s.section_id, title: s.title ?? "", lessons: s.lessons.map((l) => lessonPayload(l)),
    })),
  };
}

const KIND_FIELDS: Record<LessonKind, (keyof LessonIn)[]> = {
  video: ["video_url", "duration_seconds"],
  document: ["document_id"],
  rich_text: ["html"],
  quiz: ["quiz"],
  external_package: ["package_url", "package_standard"],
};

export function lessonPayload(lesson: LessonIn): LessonIn {
  const out: LessonIn = { title: lesson.title.trim(), kind: lesson.kind, required: lesson.required };
  if (lesson.lesson_id) out.lesson_id = lesson.lesson_id;
  for (const field of KIND_FIELDS[lesson.kind]) (out as Record<string, unknown>)[field] = lesson[field];
  if (out.quiz) {
    out.quiz = { pass_mark: out.quiz.pass_mark, max_attempts: out.quiz.max_attempts, questions: out.quiz.questions.map((q) => ({
      ...(q.question_id ? { question_id: q.question_id } : {}), text: q.text, kind: q.kind, points: q.points,
      options: q.options.map((o) => ({ ...(o.option_id ? { option_id: o.option_id } : {}), text: o.text, correct: !!o.correct })),
    })) };
  }
  return out;
}

export function coursePayload(course: CourseIn, creating: boolean): CourseIn {
  const { code, ...rest } = course;
  return {
    ...(creating ? { code: (code ?? "").trim() } : {}), ...rest, title: rest.title.trim(),
    sections: rest.sections.map((s: SectionIn) => ({ ...s, lessons: s.lessons.map(lessonPayload) })),
  };
}

/** Problems keyed by the field's path ("sections.0.lessons.1.video_url"), as i18n keys. */
export function courseProblems(course: CourseIn, creating: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (creating && !/^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$/.test(course.code ?? "")) out.code = "admin.course.errors.code";
  if (!course.title.trim()) out.title = "admin.course.errors.required";
  // an empty list would mean every tenant to the API: the editor asks for one at least
  if (course.audience_tenant_ids && course.audience_tenant_ids.length === 0) out.audience_tenant_ids = "admin.course.errors.audience";
  const lessons = course.sections.flatMap((s) => s.lessons);
  if (lessons.length === 0) out.sections = "admin.course.errors.noLessons";
  course.sections.forEach((section, si) => {
    if (section.lessons.length === 0 && course.sections.length > 1) out[`sections.${si}`] = "admin.course.errors.emptySection";
    section.lessons.forEach((lesson, li) => {
      const at = `sections.${si}.lessons.${li}`;
      if (!lesson.title.trim()) out[`${at}.title`] = "admin.course.errors.required";
      if (lesson.kind === "video" && !/^https?:\/\/\S+$/.test(lesson.video_url ?? "")) out[`${at}.video_url`] = "admin.course.errors.url";
      if (lesson.kind === "external_package" && !/^https?:\/\/\S+$/.test(lesson.package_url ?? "")) out[`${at}.package_url`] = "admin.course.errors.url";
      if (lesson.kind === "document" && !lesson.document_id) out[`${at}.document_id`] = "admin.course.errors.document";
      if (lesson.kind === "rich_text" && !(lesson.html ?? "").trim()) out[`${at}.html`] = "admin.course.errors.required";
      if (lesson.kind === "quiz") {
        const quiz = lesson.quiz;
        if (!quiz || quiz.questions.length === 0) out[`${at}.quiz`] = "admin.course.errors.noQuestions";
        if (quiz && (quiz.pass_mark < 0 || quiz.pass_mark > 100)) out[`${at}.quiz.pass_mark`] = "admin.course.errors.passMark";
        quiz?.questions.forEach((q, qi) => {
          const qat = `${at}.quiz.questions.${qi}`;
          if (!q.text.trim()) out[`${qat}.text`] = "admin.course.errors.required";
          if (q.options.length < 2 || q.options.some((o) => !o.text.trim())) out[`${qat}.options`] = "admin.course.errors.options";
          const correct = q.options.filter((o) => o.correct).length;
          if (q.kind === "single" && correct !== 1) out[`${qat}.correct`] = "admin.course.errors.singleCorrect";
          if (q.kind === "multiple" && correct < 1) out[`${qat}.correct`] = "admin.course.errors.multipleCorrect";
        });
      }
    });
  });
  return out;
}

/** The API's nested per-field errors ({sections: {"0": {lessons: {"1": {video_url: [..]}}}}})
 *  as the form's paths ("sections.0.lessons.1.video_url"), first message of each. */
export function flattenErrors(errors: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(errors ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      const first = value.find((v) => typeof v === "string");
      if (first) out[path] = first;
      else value.forEach((v, i) => { if (v && typeof v === "object") Object.assign(out, flattenErrors(v as Record<string, unknown>, `${path}.${i}`)); });
    } else if (value && typeof value === "object") {
      Object.assign(out, flattenErrors(value as Record<string, unknown>, path));
    } else if (typeof value === "string") {
      out[path] = value;
    }
  }
  return out;
}
