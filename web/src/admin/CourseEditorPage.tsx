import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api, ApiError } from "../api/client";
import type { CourseIn, EditableCourse, LessonIn, LessonKind, SectionIn } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { AudiencePicker } from "../operator/AudiencePicker";
import { NotFound } from "../pages/NotFound";
import { blankCourse, blankLesson, CATEGORIES, coursePayload, courseProblems, flattenErrors, fromCourse, LESSON_KINDS } from "./courseForm";
import { LessonEditor } from "./LessonEditor";
import { mayAuthor } from "./roles";

function moved<T>(list: T[], index: number, delta: -1 | 1): T[] {
  const target = index + delta;
  if (target < 0 || target >= list.length) return list;
  const copy = [...list];
  [copy[index], copy[target]] = [copy[target], copy[index]];
  return copy;
}

/** Create or edit a course: details, sections with lessons of the five kinds, the completion
 *  rule (required lessons, minimum average quiz score), publish and archive. */
export function CourseEditorPage() {
  const { t } = useTranslation();
  const { courseId } = useParams();
  const creating = !courseId;
  const navigate = useNavigate();
  const role = useSession().claims?.role;
  const readOnly = !mayAuthor(role);
  // the operator edits national courses here too, with their audience (tenants)
  const operator = role === "operator_admin";
  const tenants = useAsync(() => (operator ? api.tenants() : Promise.resolve([])), [operator]);
  const [course, setCourse] = useState<EditableCourse | null>(null);
  const [form, setForm] = useState<CourseIn>(blankCourse());
  const [loading, setLoading] = useState(!creating);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [dirty, setDirty] = useState(false);
  // a course just created arrives here from /admin/courses/new (another route: a new page state)
  const created = (useLocation().state as { created?: boolean } | null)?.created;
  const [notice, setNotice] = useState(created ? t("admin.course.saved") : "");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!courseId) { setCourse(null); setForm(blankCourse()); setLoading(false); return; }
    setLoading(true);
    api.editableCourse(courseId).then((c) => { setCourse(c); setForm(fromCourse(c)); setDirty(false); },
      (e) => setError(e)).finally(() => setLoading(false));
  }, [courseId]);

  if (loading) return <Loading />;
  if (error instanceof ApiError && error.status === 404 && !course && !creating) return <NotFound />;

  const edit = (next: CourseIn) => { setForm(next); setDirty(true); setNotice(""); };
  const setSection = (si: number, section: SectionIn) => edit({ ...form, sections: form.sections.map((s, i) => (i === si ? section : s)) });
  const setLesson = (si: number, li: number, lesson: LessonIn) =>
    setSection(si, { ...form.sections[si], lessons: form.sections[si].lessons.map((l, i) => (i === li ? lesson : l)) });
  const problem = (path: string) => (problems[path] ? t(problems[path], { defaultValue: problems[path] }) : undefined);

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    setError(null);
    const found = courseProblems(form, creating);
    setProblems(found);
    if (Object.keys(found).length) { setError(new ApiError(422, "validation_failed", t("admin.course.fix"))); return; }
    setBusy(true);
    try {
      const saved = creating ? await api.createCourse(coursePayload(form, true)) : await api.updateCourse(courseId!, coursePayload(form, false));
      setCourse(saved);
      setForm(fromCourse(saved));
      setDirty(false);
      setNotice(t("admin.course.saved"));
      if (creating) navigate(`/admin/courses/${saved.course_id}`, { replace: true, state: { created: true } });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) setProblems(flattenErrors(err.errors));
    } finally {
      setBusy(false);
    }
  };

  const setStatus = async (action: "publish" | "archive") => {
    if (action === "archive" && !window.confirm(t("admin.course.confirmArchive"))) return;
    setError(null);
    setBusy(true);
    try {
      const saved = await api.setCourseStatus(courseId!, action);
      setCourse(saved);
      setNotice(t(action === "publish" ? "admin.course.published" : "admin.course.archived"));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const status = course?.status ?? "draft";
  const locked = readOnly || status === "archived";
  return (
    <section className="admin">
      <p><Link to={operator ? "/operator/courses" : "/admin/courses"}>{t("admin.course.back")}</Link></p>
      <h1>{creating ? t("admin.course.newTitle") : course?.title}</h1>
      {course && (
        <p className="meta">
          <span>{t("admin.course.code")}: {course.code}</span>
          <span data-testid="course-status">{t("admin.course.status")}: <strong>{t(`admin.course.statuses.${status}`)}</strong></span>
          <span>{t("admin.course.revision", { n: course.revision })}</span>
          <Link to={`/admin/courses/${course.course_id}/learners`}>{t("admin.course.learnersLink")}</Link>
        </p>
      )}
      <ErrorAlert error={error} />
      <p className="alert alert-ok" role="status" hidden={!notice}>{notice}</p>

      <form onSubmit={save} noValidate>
        <fieldset className="card">
          <legend>{t("admin.course.details")}</legend>
          {creating && <Field label={t("admin.course.code")} value={form.code ?? ""} required maxLength={64} error={problem("code")}
            hint={t("admin.course.codeHint")} onChange={(e) => edit({ ...form, code: e.target.value })} />}
          <Field label={t("admin.course.title")} value={form.title} required maxLength={300} readOnly={locked} error={problem("title")}
            onChange={(e) => edit({ ...form, title: e.target.value })} />
          <div className="field">
            <label htmlFor="course-description">{t("admin.course.description")}</label>
            <textarea id="course-description" rows={3} maxLength={20000} value={form.description} readOnly={locked}
              onChange={(e) => edit({ ...form, description: e.target.value })} />
          </div>
          <div className="grid-2">
            <Field label={t("admin.course.topic")} value={form.topic ?? ""} maxLength={200} readOnly={locked}
              onChange={(e) => edit({ ...form, topic: e.target.value || null })} />
            <Field label={t("admin.course.hours")} type="number" min={0} max={1000} step="0.5" value={form.estimated_hours ?? ""} readOnly={locked}
              onChange={(e) => edit({ ...form, estimated_hours: e.target.value ? Number(e.target.value) : null })} />
          </div>
          <fieldset>
            <legend>{t("admin.course.audience")}</legend>
            {CATEGORIES.map((c) => (
              <label key={c} className="option">
                <input type="checkbox" disabled={locked} checked={form.target_categories.includes(c)}
                  onChange={(e) => edit({ ...form, target_categories: e.target.checked ? [...form.target_categories, c] : form.target_categories.filter((x) => x !== c) })} />
                {t(`admin.categories.${c}`)}
              </label>
            ))}
          </fieldset>
          {operator && course?.national && (
            <AudiencePicker name="course-audience" tenants={tenants.data ?? []} audience={form.audience_tenant_ids ?? null} disabled={locked}
              error={problem("audience_tenant_ids")} onChange={(audience) => edit({ ...form, audience_tenant_ids: audience })} />
          )}
          <Field label={t("admin.course.minAverage")} type="number" min={0} max={100} value={form.min_average_quiz_score ?? ""} readOnly={locked}
            hint={t("admin.course.completionHint")} error={problem("min_average_quiz_score")}
            onChange={(e) => edit({ ...form, min_average_quiz_score: e.target.value ? Number(e.target.value) : null })} />
        </fieldset>

        <h2>{t("admin.course.content")}</h2>
        {problem("sections") && <p className="field-error">{problem("sections")}</p>}
        {form.sections.map((section, si) => (
          <fieldset key={section.section_id ?? `new-${si}`} className="card section-editor">
            <legend>{t("admin.section.legend", { n: si + 1 })}</legend>
            <Field label={t("admin.section.title")} value={section.title} maxLength={300} readOnly={locked}
              onChange={(e) => setSection(si, { ...section, title: e.target.value })} />
            {problem(`sections.${si}`) && <p className="field-error">{problem(`sections.${si}`)}</p>}
            {section.lessons.map((lesson, li) => (
              <LessonEditor key={lesson.lesson_id ?? `new-${si}-${li}`} lesson={lesson} index={li} courseId={courseId ?? null} readOnly={locked}
                problem={(key) => problem(`sections.${si}.lessons.${li}.${key}`) ?? (key === "quiz" ? problem(`sections.${si}.lessons.${li}.quiz`) : undefined)}
                onChange={(l) => setLesson(si, li, l)}
                onMove={(delta) => setSection(si, { ...section, lessons: moved(section.lessons, li, delta) })}
                onRemove={() => setSection(si, { ...section, lessons: section.lessons.filter((_, i) => i !== li) })} />
            ))}
            {!locked && (
              <div className="add-lesson">
                <span className="hint">{t("admin.section.addLesson")}</span>
                {LESSON_KINDS.map((kind: LessonKind) => (
                  <button key={kind} type="button" className="small" aria-label={t("admin.section.addKindTo", { kind: t(`admin.kinds.${kind}`), n: si + 1 })}
                    onClick={() => setSection(si, { ...section, lessons: [...section.lessons, blankLesson(kind)] })}>+ {t(`admin.kinds.${kind}`)}</button>
                ))}
                {form.sections.length > 1 && (
                  <span className="row-actions">
                    <button type="button" className="small" onClick={() => edit({ ...form, sections: moved(form.sections, si, -1) })}
                      aria-label={t("admin.section.upOf", { n: si + 1 })}>↑</button>
                    <button type="button" className="small" onClick={() => edit({ ...form, sections: moved(form.sections, si, 1) })}
                      aria-label={t("admin.section.downOf", { n: si + 1 })}>↓</button>
                    <button type="button" className="small" onClick={() => edit({ ...form, sections: form.sections.filter((_, i) => i !== si) })}>
                      {t("admin.section.remove", { n: si + 1 })}</button>
                  </span>
                )}
              </div>
            )}
          </fieldset>
        ))}
        {!locked && <p><button type="button" onClick={() => edit({ ...form, sections: [...form.sections, { title: "", lessons: [] }] })}>{t("admin.section.add")}</button></p>}

        {!locked && (
          <div className="sticky-actions">
            <button type="submit" className="primary" disabled={busy}>{creating ? t("admin.course.create") : t("admin.course.save")}</button>
            {!creating && status === "draft" && (
              <button type="button" disabled={busy || dirty} onClick={() => setStatus("publish")}
                aria-describedby={dirty ? "publish-hint" : undefined}>{t("admin.course.publish")}</button>
            )}
            {!creating && status === "published" && <button type="button" disabled={busy} onClick={() => setStatus("archive")}>{t("admin.course.archive")}</button>}
            {dirty && !creating && <span id="publish-hint" className="hint">{t("admin.course.unsaved")}</span>}
          </div>
        )}
      </form>
    </section>
  );
}
