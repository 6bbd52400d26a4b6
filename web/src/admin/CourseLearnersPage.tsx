import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, ApiError, fieldErrors } from "../api/client";
import type { AssignmentJob, AssignmentTarget, Enrollment, EnrollmentFilters, Intake } from "../api/types";
import { useSession } from "../auth/session";
import { DataTable } from "../components/DataTable";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { Pagination } from "../components/Pagination";
import { SelectField } from "../components/SelectField";
import { useAsync } from "../components/useAsync";
import { formatDate, formatDateTime, formatNumber } from "../i18n/format";
import { NotFound } from "../pages/NotFound";
import { CATEGORIES } from "./courseForm";
import { ProgressBar } from "./ProgressBar";
import { mayAssign } from "./roles";
import { indentedName, treeRows } from "./unitTree";
import { useJob } from "./useJob";

const PAGE = 50;
const finished = (job: AssignmentJob) => job.state === "succeeded" || job.state === "failed";

/** A course's intakes, its assignment to learners (a unit subtree, a category or a CSV of
 *  usernames, followed as a background job) and its enrollments with filters and CSV export. */
export function CourseLearnersPage() {
  const { t, i18n } = useTranslation();
  const { courseId } = useParams();
  const { claims } = useSession();
  const admin = mayAssign(claims?.role);
  const course = useAsync(() => api.editableCourse(courseId!), [courseId]);
  const intakes = useAsync(() => api.intakes(courseId!), [courseId]);
  const units = useAsync(() => (admin ? api.units(claims!.tenantId!) : Promise.resolve([])), [admin]);
  const [offset, setOffset] = useState(0);
  const [filters, setFilters] = useState<EnrollmentFilters>({});
  const [search, setSearch] = useState("");
  const enrollments = useAsync(() => api.enrollments(courseId!, filters, offset, PAGE), [courseId, filters, offset]);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (course.loading && !course.data) return <Loading />;
  if (course.error instanceof ApiError && course.error.status === 404) return <NotFound />;
  const intakeName = (id: string | null) => intakes.data?.find((x) => x.intake_id === id)?.name ?? "";
  const unitName = (id: string | null) => units.data?.find((u) => u.unit_id === id)?.name ?? id ?? "";
  // the API filters the whole list: a new filter (with the search as typed) starts again from the first page
  const filter = (next: EnrollmentFilters) => { setFilters({ ...next, q: search.trim() || undefined }); setOffset(0); };
  const applySearch = (e: FormEvent) => { e.preventDefault(); filter(filters); };
  const clear = () => { setSearch(""); setFilters({}); setOffset(0); };

  const exportCsv = async () => {
    setError(null);
    setExporting(true);
    try {
      saveBlob(await api.enrollmentsExport(courseId!, filters), `ghi-danh-${course.data?.code ?? courseId}.csv`);
    } catch (e) {
      setError(e);
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="admin">
      <p><Link to={`/admin/courses/${courseId}`}>{t("admin.learners.back")}</Link></p>
      <h1>{t("admin.learners.title", { title: course.data?.title ?? "" })}</h1>
      <ErrorAlert error={course.error ?? error} />

      <Intakes courseId={courseId!} intakes={intakes.data ?? []} canCreate={claims?.role !== "report_viewer"} reload={intakes.reload} />
      {admin && course.data?.status === "published" && (
        <Assignment courseId={courseId!} intakes={intakes.data ?? []}
          unitOptions={treeRows(units.data ?? []).filter((r) => r.unit.status === "active").map((r) => [r.unit.unit_id, indentedName(r)])}
          onDone={enrollments.reload} />
      )}
      {admin && course.data?.status !== "published" && <p className="hint">{t("admin.assign.publishFirst")}</p>}

      <section aria-labelledby="enrollments">
        <h2 id="enrollments">{t("admin.learners.enrollments")}</h2>
        <form className="filters admin-filters" role="search" onSubmit={applySearch}>
          <Field label={t("admin.learners.search")} type="search" value={search} maxLength={100} hint={t("admin.learners.searchHint")}
            onChange={(e) => setSearch(e.target.value)} />
          <SelectField id="e-status" label={t("admin.learners.status")} value={filters.status ?? ""} empty={t("admin.all")}
            options={["active", "completed", "cancelled"].map((s) => [s, t(`admin.learners.statuses.${s}`)])} onChange={(v) => filter({ ...filters, status: v || undefined })} />
          <SelectField id="e-source" label={t("admin.learners.source")} value={filters.source ?? ""} empty={t("admin.all")}
            options={["self", "admin", "unit", "category", "csv"].map((s) => [s, t(`admin.learners.sources.${s}`)])} onChange={(v) => filter({ ...filters, source: v || undefined })} />
          <SelectField id="e-intake" label={t("admin.learners.intake")} value={filters.intake_id ?? ""} empty={t("admin.all")}
            options={(intakes.data ?? []).map((x) => [x.intake_id, x.name])} onChange={(v) => filter({ ...filters, intake_id: v || undefined })} />
          <SelectField id="e-category" label={t("admin.users.category")} value={filters.category ?? ""} empty={t("admin.all")}
            options={CATEGORIES.map((c) => [c, t(`admin.categories.${c}`)])} onChange={(v) => filter({ ...filters, category: v || undefined })} />
          {admin && (
            <SelectField id="e-unit" label={t("admin.learners.unit")} value={filters.unit_id ?? ""} empty={t("admin.all")}
              options={treeRows(units.data ?? []).map((r) => [r.unit.unit_id, indentedName(r)])} onChange={(v) => filter({ ...filters, unit_id: v || undefined })} />
          )}
          <p className="filter-actions">
            <button type="submit">{t("admin.learners.apply")}</button>{" "}
            <button type="button" onClick={clear}>{t("admin.learners.clear")}</button>
          </p>
        </form>
        <p className="hint">{t("admin.learners.filterHint")}</p>
        <p>
          <button type="button" onClick={exportCsv} disabled={exporting}>{t("admin.learners.export")}</button>{" "}
          {exporting && <span role="status">{t("admin.learners.exporting")}</span>}
        </p>
        <ErrorAlert error={enrollments.error} />
        <DataTable<Enrollment> caption={t("admin.learners.enrollments")} rows={enrollments.data?.items ?? []} rowKey={(e) => e.enrollment_id}
          empty={enrollments.loading ? t("app.loading") : t("admin.learners.none")} columns={[
            { key: "learner", header: t("admin.learners.learner"), cell: (e) => e.full_name ?? t("admin.learners.unnamed") },
            { key: "username", header: t("admin.learners.username"), cell: (e) => e.username ?? <code>{e.learner_id.slice(0, 8)}</code> },
            { key: "unit", header: t("admin.users.unit"), cell: (e) => unitName(e.unit_id) },
            { key: "category", header: t("admin.users.category"), cell: (e) => (e.category ? t(`admin.categories.${e.category}`, { defaultValue: e.category }) : "") },
            { key: "intake", header: t("admin.learners.intake"), cell: (e) => intakeName(e.intake_id) },
            { key: "source", header: t("admin.learners.source"), cell: (e) => t(`admin.learners.sources.${e.source}`, { defaultValue: e.source }) },
            { key: "status", header: t("admin.learners.status"), cell: (e) => t(`admin.learners.statuses.${e.status}`, { defaultValue: e.status }) },
            { key: "at", header: t("admin.learners.enrolledAt"), cell: (e) => formatDateTime(e.enrolled_at, i18n.language) },
          ]} />
        <Pagination label={t("admin.learners.pages")} offset={offset} limit={PAGE} count={enrollments.data?.items.length ?? 0} onChange={setOffset} />
      </section>
    </section>
  );
}

function Intakes({ courseId, intakes, canCreate, reload }: { courseId: string; intakes: Intake[]; canCreate: boolean; reload: () => void }) {
  const { t, i18n } = useTranslation();
  const blank = { name: "", enroll_from: "", enroll_until: "", starts_on: "", ends_on: "" };
  const [draft, setDraft] = useState(blank);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const errors = fieldErrors(error);
  // datetime-local has no zone: the platform's deadlines are Vietnam time (UTC+7, no DST)
  const vnTime = (local: string) => (local ? `${local}:00+07:00` : "");
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.createIntake(courseId, { ...draft, name: draft.name.trim(), enroll_from: vnTime(draft.enroll_from), enroll_until: vnTime(draft.enroll_until) });
      setDraft(blank);
      setOpen(false);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="intakes">
      <h2 id="intakes">{t("admin.intakes.title")}</h2>
      {intakes.length === 0 ? <p className="hint">{t("admin.intakes.none")}</p> : (
        <ul>{intakes.map((x) => (
          <li key={x.intake_id}><strong>{x.name}</strong>: {t("admin.intakes.window", {
            from: formatDateTime(x.enroll_from, i18n.language), until: formatDateTime(x.enroll_until, i18n.language),
            starts: formatDate(x.starts_on, i18n.language), ends: formatDate(x.ends_on, i18n.language) })}</li>))}
        </ul>
      )}
      {canCreate && !open && <button type="button" onClick={() => setOpen(true)}>{t("admin.intakes.new")}</button>}
      {canCreate && open && (
        <form className="card" onSubmit={create}>
          <ErrorAlert error={error} />
          <Field label={t("admin.intakes.name")} value={draft.name} required maxLength={200} error={errors.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          <div className="grid-2">
            <Field label={t("admin.intakes.enrollFrom")} type="datetime-local" required value={draft.enroll_from} error={errors.enroll_from}
              onChange={(e) => setDraft({ ...draft, enroll_from: e.target.value })} />
            <Field label={t("admin.intakes.enrollUntil")} type="datetime-local" required value={draft.enroll_until} error={errors.enroll_until}
              onChange={(e) => setDraft({ ...draft, enroll_until: e.target.value })} />
            <Field label={t("admin.intakes.startsOn")} type="date" required value={draft.starts_on} error={errors.starts_on}
              onChange={(e) => setDraft({ ...draft, starts_on: e.target.value })} />
            <Field label={t("admin.intakes.endsOn")} type="date" required value={draft.ends_on} error={errors.ends_on}
              onChange={(e) => setDraft({ ...draft, ends_on: e.target.value })} />
          </div>
          <p className="hint">{t("admin.intakes.zoneHint")}</p>
          <button type="submit" className="primary">{t("admin.intakes.create")}</button>{" "}
          <button type="button" onClick={() => { setOpen(false); setError(null); }}>{t("admin.cancel")}</button>
        </form>
      )}
    </section>
  );
}

function Assignment({ courseId, intakes, unitOptions, onDone }: { courseId: string; intakes: Intake[]; unitOptions: [string, string][]; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<"unit" | "category" | "csv">("unit");
  const [unitId, setUnitId] = useState("");
  const [category, setCategory] = useState<string>("civil_servant");
  const [file, setFile] = useState<File | null>(null);
  const [intakeId, setIntakeId] = useState("");
  const [error, setError] = useState<unknown>(null);
  const job = useJob((id) => api.assignmentJob(id), finished);
  const n = (value: number) => formatNumber(value, i18n.language);
  const running = job.job !== null && !finished(job.job);
  const succeeded = job.job?.state === "succeeded";
  useEffect(() => { if (succeeded) onDone(); }, [succeeded]); // eslint-disable-line react-hooks/exhaustive-deps

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const target: AssignmentTarget | null = kind === "unit" ? (unitId ? { unit_id: unitId } : null)
      : kind === "category" ? { category } : file ? { csv: file } : null;
    if (!target) { setError(new ApiError(422, "validation_failed", t("admin.assign.chooseTarget"))); return; }
    try {
      job.follow(await api.assign(courseId, target, intakeId || null));
    } catch (err) {
      setError(err);
    }
  };
  const current = job.job;
  return (
    <section aria-labelledby="assign">
      <h2 id="assign">{t("admin.assign.title")}</h2>
      <form className="card" onSubmit={start}>
        <fieldset>
          <legend>{t("admin.assign.target")}</legend>
          {(["unit", "category", "csv"] as const).map((k) => (
            <label key={k} className="option"><input type="radio" name="assign-kind" value={k} checked={kind === k} onChange={() => setKind(k)} />{t(`admin.assign.kinds.${k}`)}</label>
          ))}
        </fieldset>
        {kind === "unit" && (
          <SelectField id="assign-unit" label={t("admin.assign.unit")} value={unitId} empty={t("admin.assign.chooseUnit")}
            options={unitOptions} onChange={setUnitId} />
        )}
        {kind === "category" && (
          <SelectField id="assign-category" label={t("admin.users.category")} value={category}
            options={CATEGORIES.map((c) => [c, t(`admin.categories.${c}`)])} onChange={setCategory} />
        )}
        {kind === "csv" && (
          <div className="field">
            <label htmlFor="assign-csv">{t("admin.assign.csv")}</label>
            <input id="assign-csv" type="file" accept=".csv,text/csv" aria-describedby="assign-csv-hint" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            <div id="assign-csv-hint" className="hint">{t("admin.assign.csvHint")}</div>
          </div>
        )}
        {intakes.length > 0 && (
          <SelectField id="assign-intake" label={t("admin.learners.intake")} value={intakeId} empty={t("admin.assign.anyIntake")}
            options={intakes.map((x) => [x.intake_id, x.name])} onChange={setIntakeId} />
        )}
        <ErrorAlert error={error ?? job.error} />
        <button type="submit" className="primary" disabled={running}>{t("admin.assign.start")}</button>
      </form>
      {current && (
        <div className="job" aria-live="polite">
          <ProgressBar label={t("admin.assign.progress")} done={current.done} total={current.total}
            text={t("admin.assign.count", { done: n(current.done ?? 0), total: current.total == null ? "…" : n(current.total) })} />
          <p role="status" data-testid="assignment-state">{t(`admin.assign.states.${current.state}`)}</p>
          {current.state === "succeeded" && current.result && (
            <p>{t("admin.assign.result", { enrolled: n(current.result.enrolled ?? 0), already: n(current.result.already_enrolled ?? 0),
              unknown: n(current.result.skipped?.unknown ?? 0), blocked: n(current.result.skipped?.not_enrollable ?? 0) })}{" "}
              <button type="button" className="link" onClick={onDone}>{t("admin.assign.refresh")}</button></p>
          )}
          {current.state === "failed" && <p className="alert alert-error">{current.result?.message ?? t("admin.assign.failed")}</p>}
        </div>
      )}
    </section>
  );
}
