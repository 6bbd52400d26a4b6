import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { LessonIn } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { PACKAGE_STANDARDS } from "./courseForm";
import { ProgressBar } from "./ProgressBar";
import { QuizBuilder } from "./QuizBuilder";
import { RichTextEditor } from "./RichTextEditor";

type Props = {
  lesson: LessonIn; index: number; courseId: string | null; readOnly: boolean;
  onChange: (lesson: LessonIn) => void; onMove: (delta: -1 | 1) => void; onRemove: () => void;
  /** the form's problem (an i18n message, already translated) for a path under this lesson */
  problem: (key: string) => string | undefined;
};

/** One lesson of any of the five kinds. */
export function LessonEditor({ lesson, index, courseId, readOnly, onChange, onMove, onRemove, problem }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const set = (changes: Partial<LessonIn>) => onChange({ ...lesson, ...changes });
  return (
    <fieldset className="lesson-editor">
      <legend>{t("admin.lesson.legend", { n: index + 1, kind: t(`admin.kinds.${lesson.kind}`) })}</legend>
      <Field label={t("admin.lesson.title")} value={lesson.title} readOnly={readOnly} maxLength={300} error={problem("title")}
        onChange={(e) => set({ title: e.target.value })} />
      <label className="option">
        <input type="checkbox" checked={lesson.required} disabled={readOnly} onChange={(e) => set({ required: e.target.checked })} />
        {t("admin.lesson.required")}
      </label>
      {lesson.kind === "video" && (
        <div className="grid-2">
          <Field label={t("admin.lesson.videoUrl")} type="url" value={lesson.video_url ?? ""} readOnly={readOnly} error={problem("video_url")}
            placeholder="https://" onChange={(e) => set({ video_url: e.target.value })} />
          <Field label={t("admin.lesson.duration")} type="number" min={0} max={86400} value={lesson.duration_seconds ?? ""} readOnly={readOnly}
            onChange={(e) => set({ duration_seconds: e.target.value ? Number(e.target.value) : null })} />
        </div>
      )}
      {lesson.kind === "document" && (
        <DocumentUpload courseId={courseId} documentId={lesson.document_id ?? null} readOnly={readOnly} error={problem("document_id")}
          onUploaded={(documentId) => set({ document_id: documentId })} />
      )}
      {lesson.kind === "rich_text" && <RichTextEditor value={lesson.html ?? ""} readOnly={readOnly} error={problem("html")} onChange={(html) => set({ html })} />}
      {lesson.kind === "quiz" && lesson.quiz && (
        <QuizBuilder quiz={lesson.quiz} readOnly={readOnly} idPrefix={id} problems={(key) => problem(key ? `quiz.${key}` : "quiz")}
          onChange={(quiz) => set({ quiz })} />
      )}
      {lesson.kind === "external_package" && (
        <div className="grid-2">
          <Field label={t("admin.lesson.packageUrl")} type="url" value={lesson.package_url ?? ""} readOnly={readOnly} error={problem("package_url")}
            placeholder="https://" onChange={(e) => set({ package_url: e.target.value })} />
          <div className="field">
            <label htmlFor={`${id}-std`}>{t("admin.lesson.standard")}</label>
            <select id={`${id}-std`} value={lesson.package_standard ?? "other"} disabled={readOnly} onChange={(e) => set({ package_standard: e.target.value })}>
              {PACKAGE_STANDARDS.map((s) => <option key={s} value={s}>{t(`admin.standards.${s}`)}</option>)}
            </select>
          </div>
        </div>
      )}
      {!readOnly && (
        <p className="row-actions">
          <button type="button" className="small" onClick={() => onMove(-1)} aria-label={t("admin.lesson.upOf", { n: index + 1 })}>↑</button>
          <button type="button" className="small" onClick={() => onMove(1)} aria-label={t("admin.lesson.downOf", { n: index + 1 })}>↓</button>
          <button type="button" className="small" onClick={onRemove}>{t("admin.lesson.remove", { n: index + 1 })}</button>
        </p>
      )}
    </fieldset>
  );
}

/** Upload of a lesson's document (PDF, DOCX, PPTX) with its progress; the course must exist. */
function DocumentUpload({ courseId, documentId, readOnly, error, onUploaded }: {
  courseId: string | null; documentId: string | null; readOnly: boolean; error?: string; onUploaded: (id: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  if (!courseId) return <p className="hint">{t("admin.lesson.saveFirst")}</p>;
  const upload = async (file: File) => {
    setFailure(null);
    setProgress({ sent: 0, total: file.size });
    try {
      const document = await api.uploadDocument(courseId, file, (sent, total) => setProgress({ sent, total }));
      setUploaded(document.filename);
      onUploaded(document.document_id);
    } catch (e) {
      setFailure(e);
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="field">
      {!readOnly && <>
        <label htmlFor={id}>{t("admin.lesson.document")}</label>
        <input id={id} type="file" accept=".pdf,.docx,.pptx" aria-describedby={`${id}-hint`} disabled={progress !== null}
          onChange={(e) => { const file = e.target.files?.[0]; if (file) void upload(file); }} />
        <div id={`${id}-hint`} className="hint">{t("admin.lesson.documentHint")}</div>
      </>}
      {progress && <ProgressBar label={t("admin.lesson.uploading")} done={progress.sent} total={progress.total}
        text={t("admin.import.uploaded", { percent: Math.round((progress.sent / Math.max(progress.total, 1)) * 100) })} />}
      {documentId && <p className="done-note" role="status">{uploaded ? t("admin.lesson.uploaded", { name: uploaded }) : t("admin.lesson.hasDocument")}</p>}
      {error && !documentId && <div className="field-error">{error}</div>}
      <ErrorAlert error={failure} />
    </div>
  );
}
