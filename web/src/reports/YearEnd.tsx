import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { api, ApiError, fieldErrors } from "../api/client";
import type { FocalContact, YearEndContent } from "../api/types";
import { useSession } from "../auth/session";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDate, formatDateTime, formatNumber, formatPercent } from "../i18n/format";
import { NotFound } from "../pages/NotFound";
import { deadlineStatus, vnYear } from "./calendar";
import { FocalContactForm } from "./FocalContactForm";

const MAX_EVALUATION = 8000;

async function load(tenantId: string, year: number, admin: boolean) {
  const [draft, versions, tenant] = await Promise.all([
    api.yearEndDraft(tenantId, year), api.yearEndVersions(tenantId, year),
    admin ? api.tenant(tenantId) : Promise.resolve(null)]);
  return { draft, versions, tenant };
}

/** The annual plan and the year-end report: the plan and the evaluation (tenant admin only),
 * the live figures, a preview, submission, and every submitted version with its downloads. */
export function YearEnd() {
  const { tenantId = "" } = useParams();
  const [params] = useSearchParams();
  const year = Number(params.get("year")) || vnYear();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { claims } = useSession();
  const admin = claims?.role === "tenant_admin";
  const { data, error, loading, reload } = useAsync(() => load(tenantId, year, admin), [tenantId, year, admin]);
  const [evaluation, setEvaluation] = useState("");
  const [plan, setPlan] = useState({ courses: "", learners: "" });
  const [preview, setPreview] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [focal, setFocal] = useState<FocalContact | null>(null);

  useEffect(() => {
    if (!data) return;
    setEvaluation(data.draft.evaluation);
    setPlan({ courses: String(data.draft.plan.planned_courses ?? ""), learners: String(data.draft.plan.planned_learners ?? "") });
  }, [data]);

  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const { draft, versions, tenant } = data;
  const status = deadlineStatus(versions.deadline);
  const n = (v: number | null) => (v === null ? "—" : formatNumber(v, lang));
  const pct = (v: number | null) => (v === null ? "—" : formatPercent(v, lang));

  async function act(work: () => Promise<string>) {
    setBusy(true); setActionError(null); setMessage(null);
    try { setMessage(await work()); } catch (e) { setActionError(e); } finally { setBusy(false); }
  }
  const savePlan = () => act(async () => {
    await api.submitTrainingPlan(tenantId, year, { planned_courses: Number(plan.courses), planned_learners: Number(plan.learners) });
    return t("reports.yearEnd.planSaved");
  });
  const saveEvaluation = () => act(async () => { await api.saveEvaluation(tenantId, year, evaluation); return t("reports.yearEnd.saved"); });
  const submit = () => act(async () => {
    if (!window.confirm(t("reports.yearEnd.confirmSubmit"))) return "";
    const version = await api.submitYearEnd(tenantId, year, evaluation);
    reload();
    return t("reports.yearEnd.submitted", { version: version.version });
  });
  const download = async (version: number, format: "json" | "csv" | "xlsx") =>
    saveBlob(await api.yearEndVersionFile(tenantId, year, version, format), `bao-cao-nam-${year}-${draft.tenant.code}-v${version}.${format}`);
  const planErrors = fieldErrors(actionError);

  return (
    <section className="year-end">
      <p><Link to={`/tenants/${tenantId}/report?year=${year}`}>{t("reports.yearEnd.back")}</Link></p>
      <h1>{t("reports.yearEnd.title", { year, name: draft.tenant.name })}</h1>
      <div className={`deadline ${status.overdue ? "overdue" : status.daysLeft <= 7 ? "soon" : ""}`} data-testid="deadline">
        <strong>{t("reports.yearEnd.deadline", { date: formatDate(status.lastDay, lang) })}</strong>{" "}
        <span>{status.overdue ? t("reports.yearEnd.overdue", { count: -status.daysLeft })
          : status.daysLeft === 0 ? t("reports.yearEnd.today") : t("reports.yearEnd.daysLeft", { count: status.daysLeft })}</span>
      </div>
      {message && <div className="alert alert-ok" role="status">{message}</div>}
      <ErrorAlert error={actionError} />

      <section className="card" aria-labelledby="plan-heading">
        <h2 id="plan-heading">{t("reports.yearEnd.planTitle", { year })}</h2>
        {admin ? (
          <form onSubmit={(e) => { e.preventDefault(); void savePlan(); }} className="grid-2">
            <Field label={t("reports.yearEnd.plannedCourses")} type="number" min={0} required value={plan.courses}
              error={planErrors.planned_courses} onChange={(e) => setPlan({ ...plan, courses: e.target.value })} />
            <Field label={t("reports.yearEnd.plannedLearners")} type="number" min={0} required value={plan.learners}
              error={planErrors.planned_learners} onChange={(e) => setPlan({ ...plan, learners: e.target.value })} />
            <div><button type="submit" className="primary" disabled={busy}>{t("reports.yearEnd.savePlan")}</button></div>
          </form>
        ) : (
          <dl>
            <dt>{t("reports.yearEnd.plannedCourses")}</dt><dd>{n(draft.plan.planned_courses)}</dd>
            <dt>{t("reports.yearEnd.plannedLearners")}</dt><dd>{n(draft.plan.planned_learners)}</dd>
          </dl>
        )}
        {tenant && (
          <>
            <h3>{t("reports.yearEnd.focal")}</h3>
            <p data-testid="focal-contact">{(focal ?? tenant.focal_contact).full_name} · {(focal ?? tenant.focal_contact).mobile} · {(focal ?? tenant.focal_contact).email}</p>
            <p className="hint">{t("reports.yearEnd.focalHint")}</p>
            <FocalContactForm tenantId={tenantId} contact={tenant.focal_contact} onSaved={setFocal} />
          </>
        )}
      </section>

      <section className="card" aria-labelledby="figures-heading">
        <h2 id="figures-heading">{t("reports.yearEnd.figures")}</h2>
        <p className="hint">{t("reports.dashboard.asOf", { when: draft.as_of ? formatDateTime(draft.as_of, lang) : "—" })}</p>
        <Figures content={draft} n={n} pct={pct} />
      </section>

      <section className="card" aria-labelledby="evaluation-heading">
        <h2 id="evaluation-heading">{t("reports.yearEnd.evaluation")}</h2>
        {admin ? (
          <>
            <label htmlFor="evaluation" className="sr-only">{t("reports.yearEnd.evaluation")}</label>
            <textarea id="evaluation" rows={8} maxLength={MAX_EVALUATION} value={evaluation}
              onChange={(e) => setEvaluation(e.target.value.normalize("NFC"))} />
            <p className="hint">{t("reports.yearEnd.length", { count: evaluation.length, max: MAX_EVALUATION })}</p>
            <div className="actions">
              <button type="button" disabled={busy} onClick={saveEvaluation}>{t("reports.yearEnd.save")}</button>
              <button type="button" disabled={busy} onClick={() => setPreview(!preview)} aria-expanded={preview}>{t("reports.yearEnd.preview")}</button>
              <button type="button" className="primary" disabled={busy} onClick={submit}>{t("reports.yearEnd.submit")}</button>
            </div>
          </>
        ) : <p className="evaluation-text">{draft.evaluation || "—"}</p>}
      </section>

      {preview && (
        <section className="card preview" aria-labelledby="preview-heading" data-testid="preview">
          <h2 id="preview-heading">{t("reports.yearEnd.previewTitle", { year })}</h2>
          <p><strong>{draft.tenant.name}</strong> ({draft.tenant.code})</p>
          <Figures content={draft} n={n} pct={pct} />
          <h3>{t("reports.yearEnd.evaluation")}</h3>
          <p className="evaluation-text">{evaluation || "—"}</p>
        </section>
      )}

      <section className="card" aria-labelledby="versions-heading">
        <h2 id="versions-heading">{t("reports.yearEnd.versions")}</h2>
        {versions.versions.length === 0 ? <p>{t("reports.yearEnd.noVersions")}</p> : (
          <div className="table-scroll" role="region" tabIndex={0} aria-label={t("reports.yearEnd.versions")}>
            <table className="data" data-testid="versions">
              <thead><tr>
                <th scope="col">{t("reports.yearEnd.version")}</th><th scope="col">{t("reports.yearEnd.submittedAt")}</th>
                <th scope="col">{t("reports.yearEnd.state")}</th><th scope="col">{t("reports.yearEnd.downloads")}</th>
              </tr></thead>
              <tbody>
                {[...versions.versions].reverse().map((v) => (
                  <tr key={v.version}>
                    <th scope="row">{v.version}</th><td>{formatDateTime(v.submitted_at, lang)}</td>
                    <td>{v.late ? <span className="badge late">{t("reports.yearEnd.late")}</span> : t("reports.yearEnd.onTime")}</td>
                    <td className="downloads">
                      {(["xlsx", "csv", "json"] as const).map((f) => (
                        <button key={f} type="button" className="link" onClick={() => download(v.version, f)}
                          aria-label={t("reports.yearEnd.download", { format: f.toUpperCase(), version: v.version })}>{f.toUpperCase()}</button>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function Figures({ content, n, pct }: { content: YearEndContent; n: (v: number | null) => string; pct: (v: number | null) => string }) {
  const { t } = useTranslation();
  const { plan, actual, achievement } = content;
  return (
    <dl className="figures" data-testid="figures">
      <dt>{t("reports.yearEnd.coursesRun")}</dt><dd>{n(actual.courses_run)} / {n(plan.planned_courses)} ({pct(achievement.courses_pct)})</dd>
      <dt>{t("reports.yearEnd.learnersTrained")}</dt><dd>{n(actual.learners_trained)} / {n(plan.planned_learners)} ({pct(achievement.learners_pct)})</dd>
      <dt>{t("reports.metrics.enrollments")}</dt><dd>{n(actual.enrollments)}</dd>
      <dt>{t("reports.metrics.completions")}</dt><dd>{n(actual.completions)}</dd>
      <dt>{t("reports.metrics.certificates")}</dt><dd>{n(actual.certificates)}</dd>
      <dt>{t("reports.metrics.active_learners")}</dt><dd>{n(actual.active_learners)}</dd>
    </dl>
  );
}
