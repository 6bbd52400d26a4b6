import { useTranslation } from "react-i18next";
import type { LessonProps } from "./types";

export function MarkDone({ courseId, lesson, progress, queue, refresh }: LessonProps) {
  const { t } = useTranslation();
  if (progress?.done) return <p className="done-note">✓ {t("course.done")}</p>;
  return (
    <button type="button" className="primary" onClick={() => {
      queue.add({ kind: "lesson_completed", course_id: courseId, lesson_id: lesson.lesson_id });
      refresh();
    }}>{t("course.markDone")}</button>
  );
}
