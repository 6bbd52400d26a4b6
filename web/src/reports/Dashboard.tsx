import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { api, ApiError } from "../api/client";
import { Chart } from "../components/Chart";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDateTime, formatNumber, formatPercent } from "../i18n/format";
import { NotFound } from "../pages/NotFound";
import { useSession } from "../auth/session";
import { vnYear } from "./calendar";
import { courseChart, coursesByEnrollment, headline, monthsOfYear, planChart, unitChart, unitChildren, unitTrail } from "./dashboardData";

export function Dashboard() {
  const { tenantId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [params, setParams] = useSearchParams();
  const year = Number(params.get("year")) || vnYear();
  const unitId = params.get("unit");
  const { claims } = useSession();
  const staff = claims?.role === "tenant_admin" || claims?.role === "operator_admin"; // the progress API's readers
  const { data: report, error, loading } = useAsync(() => api.tenantReport(tenantId), [tenantId]);
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (loading && !report) return <Loading />;
  if (!report) return <ErrorAlert error={error} />;

  const n = (value: number) => formatNumber(value, lang);
  const h = headline(report, year);
  const children = unitChildren(report.by_unit, unitId);
  const trail = unitTrail(report.by_unit, unitId);
  const current = trail[trail.length - 1];
  const years = Array.from(new Set([vnYear(), year, ...report.plan_vs_actual.map((p) => p.year)])).sort();
  const metric = (key: string) => t(`reports.metrics.${key}`);
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key); else next.set(key, value);
    setParams(next);
  };

  return (
    <section className="dashboard">
      <h1>{t("reports.dashboard.title", { name: report.name })}</h1>
      <p className="meta">
        <span>{t("reports.dashboard.asOf", { when: report.as_of ? formatDateTime(report.as_of, lang) : "—" })}</span>
        <Link to={`/tenants/${tenantId}/year-end?year=${year}`}>{t("reports.nav.yearEnd")}</Link>
      </p>
      <div className="filters">
        <label>{t("reports.dashboard.year")}
          <select value={year} onChange={(e) => setParam("year", e.target.value)}>
            {years.map((y) => <option key={y} value={y}>{y}</option>)}
          </select>
        </label>
      </div>

      <dl className="kpis" aria-label={t("reports.dashboard.headline")}>
        <div data-testid="kpi-learners"><dt>{metric("learners")}</dt><dd>{n(h.learners)}</dd></div>
        <div data-testid="kpi-seats"><dt>{metric("seats")}</dt>
          <dd>{h.quota === null ? n(h.seatsUsed) : t("reports.dashboard.seatsOf", { used: n(h.seatsUsed), quota: n(h.quota) })}</dd></div>
        <div data-testid="kpi-enrollments"><dt>{metric("enrollments")}</dt><dd>{n(h.enrollments)}</dd></div>
        <div data-testid="kpi-completions"><dt>{metric("completions")}</dt><dd>{n(h.completions)}</dd></div>
        <div data-testid="kpi-certificates"><dt>{metric("certificates")}</dt><dd>{n(h.certificates)}</dd></div>
        <div data-testid="kpi-active"><dt>{t("reports.dashboard.activeInYear", { year })}</dt><dd>{n(h.activeLearners)}</dd></div>
      </dl>

      <div className="charts">
        <Chart testId="chart-months" title={t("reports.charts.byMonth", { year })} spec={monthsOfYear(report, year)}
          kind="bar" seriesName={metric} categoryHeader={t("reports.charts.month")}
          categoryName={(m) => t("reports.charts.monthName", { month: Number(m.slice(5)), year: m.slice(0, 4) })} />
        <Chart testId="chart-plan" title={t("reports.charts.plan", { year })} spec={planChart(report, year)}
          kind="bar" seriesName={metric} categoryHeader={t("reports.charts.indicator")}
          categoryName={(c) => t(`reports.charts.planRow.${c}`)} />
      </div>

      <section aria-labelledby="units-heading" className="card">
        <h2 id="units-heading">{t("reports.units.title")}</h2>
        <nav aria-label={t("reports.units.trail")} className="trail">
          {unitId ? <button type="button" className="link" onClick={() => setParam("unit", null)}>{t("reports.units.all")}</button>
            : <span aria-current="page">{t("reports.units.all")}</span>}
          {trail.map((u, i) => (
            <span key={u.unit_id}> › {i === trail.length - 1 ? <span aria-current="page">{u.name}</span>
              : <button type="button" className="link" onClick={() => setParam("unit", u.unit_id)}>{u.name}</button>}</span>
          ))}
        </nav>
        {current && (
          <p className="meta" data-testid="unit-current">
            {t("reports.units.subtree", { learners: n(current.learners), enrollments: n(current.enrollments), completions: n(current.completions) })}
          </p>
        )}
        {children.length === 0 ? <p className="hint">{t("reports.units.none")}</p> : (
          <>
            <Chart testId="chart-units" title={t("reports.charts.byUnit")} spec={unitChart(children)} kind="bar" horizontal
              seriesName={metric} categoryHeader={t("reports.charts.unit")} />
            <ul className="unit-links">
              {children.map((u) => (
                <li key={u.unit_id}>
                  <button type="button" className="link" onClick={() => setParam("unit", u.unit_id)}>
                    {t("reports.units.open", { name: u.name })}
                  </button>{" "}
                  <span className="hint">{t("reports.units.rate", { rate: formatPercent(u.completion_rate * 100, lang) })}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="courses-heading" className="card">
        <h2 id="courses-heading">{t("reports.courses.title")}</h2>
        {report.by_course.length === 0 ? <p className="hint">{t("reports.courses.none")}</p> : (
          <>
            <Chart testId="chart-courses" title={t("reports.charts.byCourse")} spec={courseChart(report.by_course)} kind="bar"
              horizontal seriesName={metric} categoryHeader={t("reports.charts.course")} />
            <div className="table-scroll" role="region" tabIndex={0} aria-label={t("reports.courses.table")}>
              <table className="data">
                <thead><tr>
                  <th scope="col">{t("reports.charts.course")}</th><th scope="col">{metric("enrollments")}</th>
                  <th scope="col">{metric("completions")}</th><th scope="col">{metric("completion_rate")}</th>
                  <th scope="col">{metric("certificates")}</th>{staff && <th scope="col"><span className="sr-only">{t("reports.courses.progress")}</span></th>}
                </tr></thead>
                <tbody>
                  {coursesByEnrollment(report.by_course).map((c) => (
                    <tr key={c.course_id}>
                      <th scope="row">{c.title ?? c.code}{c.national && <> <span className="badge">{t("reports.courses.national")}</span></>}</th>
                      <td>{n(c.enrollments)}</td><td>{n(c.completions)}</td>
                      <td>{formatPercent(c.completion_rate * 100, lang)}</td><td>{n(c.certificates)}</td>
                      {staff && <td><Link to={`/tenants/${tenantId}/courses/${c.course_id}/progress`}>{t("reports.courses.progress")}</Link></td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </section>
  );
}
