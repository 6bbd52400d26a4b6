import DOMPurify from "dompurify";
import { useId } from "react";
import { useTranslation } from "react-i18next";

/** Rich text as HTML in a textarea with a live preview, sanitised by the same DOMPurify the
 *  player uses; the courses service sanitises again on write (nh3). Why not a WYSIWYG editor:
 *  no new dependency in the authoring bundle, the author sees exactly what learners will see
 *  (the sanitised result), and nothing but the sanitised HTML is ever rendered. */
export function RichTextEditor({ value, onChange, error, readOnly }: { value: string; onChange: (html: string) => void; error?: string; readOnly?: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const clean = DOMPurify.sanitize(value);
  const changed = clean.replace(/\s/g, "") !== value.replace(/\s/g, "");
  return (
    <div className="rich-editor">
      <div className="field">
        <label htmlFor={id}>{t("admin.lesson.html")}</label>
        <textarea id={id} rows={6} value={value} maxLength={200_000} readOnly={readOnly} spellCheck={false}
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`} aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.value)} />
        <div id={`${id}-hint`} className="hint">{t("admin.lesson.htmlHint")}</div>
        {error && <div id={`${id}-error`} className="field-error">{error}</div>}
      </div>
      <div className="preview" aria-label={t("admin.lesson.preview")} role="region">
        <div className="hint">{t("admin.lesson.preview")}{changed && <> — {t("admin.lesson.sanitised")}</>}</div>
        <div className="rich-text" dangerouslySetInnerHTML={{ __html: clean }} />
      </div>
    </div>
  );
}
