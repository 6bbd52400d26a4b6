import { useTranslation } from "react-i18next";
import { MarkDone } from "./MarkDone";
import type { LessonProps } from "./types";

export function ExternalLesson(props: LessonProps) {
  const { t } = useTranslation();
  return (
    <div>
      <p className="alert alert-info">{t("course.externalNote")}</p>
      <p>
        <a className="button" href={props.lesson.package_url} target="_blank" rel="noopener noreferrer">
          {t("course.externalOpen")}
        </a>
      </p>
      <MarkDone {...props} />
    </div>
  );
}
