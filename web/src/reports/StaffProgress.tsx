import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { api, ApiError } from "../api/client";
import type { ProgressFilters } from "../api/types";
import { saveBlob } from "../components/download";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDateTime } from "../i18n/format";
import { NotFound } from "../pages/NotFound";

const PAGE = 50;
const STATUSES = ["not_started", "in_progress", "completed"];

/** The staff progress view of one course: the tenant's learners, filtered by status and unit
 * (subtree names from the tenant report), a page at a time, exported as CSV or XLSX. */
export function StaffProgress() {
  const { tenantId = "", courseId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filters: ProgressFilters = { status: params.get("status") ?? undefined, unit_id: params.get("unit") ?? undefined };
  const offset = Number(params.get("offset")) || 0;
  const report = useAsync(() => api.tenantReport(tenantId), [tenantId]);
  const page = useAsync(() => api.courseProgress(courseId, filters, offset, PAGE), [courseId, filters.status, filters.unit_id, offset]);
  if ([report.error, page.error].some((e) => e instanceof ApiError && e.status === 404)) return <NotFound />;
  if (report.loading && !report.data) return <Loading />;
  const course = report.data?.by_course.find((c) => c.course_id === courseId);
  const units = (report.data?.by_unit ?? []).filter((u) => u.unit_id);
  const unitName = (id: string | null) => units.find((u) => u.unit_id === id)?.name ?? "—";
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value); else next.delete(key);
    if (key !== "offset") next.delete("offset");
    setParams(next);
  };
  const exportAs = async (format: "csv" | "xlsx") =>
    saveBlob(await api.courseProgressExport(courseId, filters, format), `progress-${course?.code ?? courseId}.${format}`);
  const total = page.data?.total ?? 0;

  return (
    <section>
      <p><Link to={`/tenants/${tenantId}/report`}>{t("reports.progress.back")}</Link></p>
      <h1>{t("reports.progress.title", { course: course?.title ?? courseId })}</h1>
      <div className="filters">
        <label>{t("reports.progress.status")}
          <select value={filters.status ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">{t("reports.progress.any")}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t(`reports.progress.statuses.${s}`)}</option>)}
          </select>
        </label>
        <label>{t("reports.charts.unit")}
          <select value={filters.unit_id ?? ""} onChange={(e) => set("unit", e.target.value)}>
            <option value="">{t("reports.progress.any")}</option>
            {units.map((u) => <option key={u.unit_id} value={u.unit_id!}>{u.name}</option>)}
          </select>
        </label>
      </div>
      <p>
        <button type="button" onClick={() => exportAs("xlsx")}>{t("reports.progress.exportXlsx")}</button>{" "}
        <button type="button" onClick={() => exportAs("csv")}>{t("reports.progress.exportCsv")}</button>
      </p>
      <ErrorAlert error={page.error} />
      <p role="status">{t("reports.progress.count", { count: total })}</p>
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("reports.progress.table")}>
        <table className="data">
          <thead><tr>
            <th scope="col">{t("reports.progress.learner")}</th><th scope="col">{t("reports.charts.unit")}</th>
            <th scope="col">{t("reports.progress.status")}</th><th scope="col">{t("reports.progress.percent")}</th>
            <th scope="col">{t("reports.progress.last")}</th>
          </tr></thead>
          <tbody>
            {page.data?.items.map((r) => (
              <tr key={r.enrollment_id}>
                <th scope="row"><code>{r.learner_id}</code></th><td>{unitName(r.unit_id)}</td>
                <td>{t(`reports.progress.statuses.${r.status}`, { defaultValue: r.status })}</td>
                <td>{Math.round(r.percent_complete)} %</td><td>{formatDateTime(r.last_activity_at, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button type="button" disabled={offset === 0} onClick={() => set("offset", String(Math.max(offset - PAGE, 0)))}>{t("reports.progress.previous")}</button>
        <button type="button" disabled={offset + PAGE >= total} onClick={() => set("offset", String(offset + PAGE))}>{t("reports.progress.next")}</button>
      </div>
    </section>
  );
}
