import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, fieldErrors } from "../api/client";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { Link } from "react-router";
import { AudiencePicker } from "./AudiencePicker";
import { nationalCourseBody, type CourseForm } from "./courseDraft";

const EMPTY: CourseForm = { code: "", title: "", description: "", topic: "", hours: "", everyTenant: true, audience: [],
  lessonTitle: "", lessonText: "" };

async function load() {
  const [courses, tenants] = await Promise.all([api.ownedCourses(), api.tenants(0, 200)]);
  return { courses: courses.items, tenants };
}

/** National courses (the operator's own): a compact create form with the audience (every
 * tenant or the chosen ones) and one reading lesson, then publish or archive. Each course opens
 * in the admin console's full editor (sections, the five lesson kinds, the audience). */
export function NationalCourses() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useAsync(load, []);
  const [form, setForm] = useState<CourseForm>(EMPTY);
  const [formError, setFormError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(formError);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true); setFormError(null); setMessage(null);
    try {
      const course = await api.createNationalCourse(nationalCourseBody(form));
      setMessage(t("operator.courses.created", { title: course.title }));
      setForm(EMPTY);
      reload();
    } catch (err) { setFormError(err); } finally { setBusy(false); }
  }

  async function change(courseId: string, title: string, action: "publish" | "archive") {
    if (action === "archive" && !window.confirm(t("operator.courses.confirmArchive", { title }))) return;
    setFormError(null);
    try {
      await api.setCourseState(courseId, action);
      setMessage(t(action === "publish" ? "operator.courses.publishedMessage" : "operator.courses.archivedMessage", { title }));
      reload();
    } catch (err) { setFormError(err); }
  }

  if (loading && !data) return <Loading />;
  return (
    <section>
      <h1>{t("operator.courses.title")}</h1>
      {message && <div className="alert alert-ok" role="status">{message}</div>}
      <ErrorAlert error={error ?? formError} />
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("operator.courses.table")}>
        <table className="data" data-testid="national-courses">
          <thead><tr>
            <th scope="col">{t("operator.columns.code")}</th><th scope="col">{t("operator.courses.name")}</th>
            <th scope="col">{t("operator.tenants.status")}</th>
            <th scope="col"><span className="sr-only">{t("operator.tenants.actions")}</span></th>
          </tr></thead>
          <tbody>
            {data?.courses.map((c) => (
              <tr key={c.course_id} data-code={c.code}>
                <th scope="row">{c.code}</th>
                <td><Link to={`/admin/courses/${c.course_id}`}>{c.title}</Link></td>
                <td>{t(`operator.courses.statuses.${c.status}`, { defaultValue: c.status })}</td>
                <td className="actions">
                  {c.status === "draft" && <button type="button" onClick={() => change(c.course_id, c.title, "publish")}
                    aria-label={t("operator.courses.publishOf", { code: c.code })}>{t("operator.courses.publish")}</button>}
                  {c.status === "published" && <button type="button" onClick={() => change(c.course_id, c.title, "archive")}
                    aria-label={t("operator.courses.archiveOf", { code: c.code })}>{t("operator.courses.archive")}</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <form className="card" onSubmit={create} aria-labelledby="course-form-title">
        <h2 id="course-form-title">{t("operator.courses.create")}</h2>
        <Field label={t("operator.courses.code")} required value={form.code} error={errors.code}
          onChange={(e) => setForm({ ...form, code: e.target.value })} />
        <Field label={t("operator.courses.name")} required value={form.title} error={errors.title}
          onChange={(e) => setForm({ ...form, title: e.target.value })} />
        <Field label={t("operator.courses.topic")} value={form.topic} error={errors.topic}
          onChange={(e) => setForm({ ...form, topic: e.target.value })} />
        <Field label={t("operator.courses.hours")} type="number" min={0} step="0.5" value={form.hours}
          error={errors.estimated_hours} onChange={(e) => setForm({ ...form, hours: e.target.value })} />
        <div className="field">
          <label htmlFor="course-description">{t("operator.courses.description")}</label>
          <textarea id="course-description" rows={3} value={form.description}
            onChange={(e) => setForm({ ...form, description: e.target.value })} />
        </div>
        <AudiencePicker tenants={data?.tenants ?? []} audience={form.everyTenant ? null : form.audience}
          error={errors.audience_tenant_ids} onChange={(audience) => setForm({ ...form, everyTenant: audience === null, audience: audience ?? [] })} />
        <Field label={t("operator.courses.lessonTitle")} required value={form.lessonTitle}
          onChange={(e) => setForm({ ...form, lessonTitle: e.target.value })} />
        <div className="field">
          <label htmlFor="course-lesson">{t("operator.courses.lessonText")}</label>
          <textarea id="course-lesson" rows={5} required value={form.lessonText}
            onChange={(e) => setForm({ ...form, lessonText: e.target.value })} />
        </div>
        <button type="submit" className="primary" disabled={busy || (!form.everyTenant && form.audience.length === 0)}>
          {t("operator.courses.save")}
        </button>
      </form>
    </section>
  );
}
