import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { MarkDone } from "./MarkDone";
import type { LessonProps } from "./types";

/** PDF shown inline (the browser's viewer, from a blob: the API needs the bearer token);
 *  DOCX and PPTX offered as downloads. Reading is marked done by the learner. */
export function DocumentLesson(props: LessonProps) {
  const { t } = useTranslation();
  const { courseId, lesson } = props;
  const [blob, setBlob] = useState<Blob | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let objectUrl: string | null = null;
    setBlob(null);
    api.documentBlob(courseId, lesson.document_id!).then((b) => {
      setBlob(b);
      if (b.type === "application/pdf") setUrl(objectUrl = URL.createObjectURL(b));
    }, setError);
    return () => { if (objectUrl) URL.revokeObjectURL(objectUrl); setUrl(null); };
  }, [courseId, lesson.document_id]);

  const extension = blob?.type === "application/pdf" ? "pdf" : blob?.type.includes("presentation") ? "pptx" : "docx";
  return (
    <div className="document">
      <ErrorAlert error={error} />
      {!blob && !error && <p role="status">{t("course.documentLoading")}</p>}
      {url && <iframe className="pdf" src={url} title={t("course.documentTitle", { title: lesson.title })} />}
      {blob && (
        <p>
          <button type="button" onClick={() => saveBlob(blob, `${lesson.title}.${extension}`)}>
            {t("course.documentDownload")}
          </button>
        </p>
      )}
      <MarkDone {...props} />
    </div>
  );
}
