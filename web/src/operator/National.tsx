import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { Chart } from "../components/Chart";
import { ErrorAlert } from "../components/ErrorAlert";
import { Loading } from "../components/Loading";
import { useAsync } from "../components/useAsync";
import { formatDateTime, formatNumber, formatPercent } from "../i18n/format";
import { vnYear } from "../reports/calendar";
import { completionsChart, planChart, sortRows, submissionsBoard, type BoardEntry, type Order, type SortKey } from "./nationalData";
import { nationalSheets, saveNationalXlsx } from "./nationalExport";

const COLUMNS: SortKey[] = ["code", "name", "learners", "seats_used", "enrollments", "completions", "completion_rate",
  "certificates", "planned_learners", "learners_trained", "year_end_submitted"];

async function load(year: number) {
  const [report, tenants] = await Promise.all([api.nationalReport(year), api.tenants(0, 200)]);
  return { report, tenants };
}

export function National() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [params, setParams] = useSearchParams();
  const year = Number(params.get("year")) || vnYear();
  const [sort, setSort] = useState<{ key: SortKey; order: Order }>({ key: "code", order: "asc" });
  const { data, error, loading } = useAsync(() => load(year), [year]);
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const { report, tenants } = data;
  const rows = sortRows(report.tenants, sort.key, sort.order);
  const board = submissionsBoard(report.tenants, tenants);
  const n = (v: number | null) => (v === null ? "—" : formatNumber(v, lang));
  const column = (key: string) => t(`operator.columns.${key}`);
  const cell = (key: SortKey, r: (typeof rows)[number]) => {
    if (key === "completion_rate") return formatPercent(r.completion_rate * 100, lang);
    if (key === "year_end_submitted") return r.year_end.submitted ? (r.year_end.late ? t("operator.board.late") : t("operator.board.onTime")) : t("operator.board.missing");
    if (key === "seats_used") return `${n(r.seats_used)} / ${n(r.learner_quota)}`;
    const value = r[key];
    return typeof value === "number" || value === null ? n(value) : value;
  };
  const toggle = (key: SortKey) => setSort((s) => ({ key, order: s.key === key && s.order === "asc" ? "desc" : "asc" }));
  const exportXlsx = () => saveNationalXlsx(nationalSheets(report, rows, board, t), `bao-cao-quoc-gia-${year}.xlsx`);

  return (
    <section className="dashboard">
      <h1>{t("operator.national.title", { year })}</h1>
      <p className="meta">{t("reports.dashboard.asOf", { when: report.as_of ? formatDateTime(report.as_of, lang) : "—" })}</p>
      <div className="filters">
        <label>{t("reports.dashboard.year")}
          <select value={year} onChange={(e) => setParams({ year: e.target.value })}>
            {[vnYear() - 1, vnYear(), vnYear() + 1].map((y) => <option key={y} value={y}>{y}</option>)}
          </select>
        </label>
        <div><button type="button" className="primary" onClick={exportXlsx}>{t("operator.national.export")}</button></div>
      </div>

      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("operator.national.table")}>
        <table className="data" data-testid="national-table">
          <thead><tr>
            {COLUMNS.map((key) => (
              <th scope="col" key={key} aria-sort={sort.key === key ? (sort.order === "asc" ? "ascending" : "descending") : undefined}>
                <button type="button" className="sort" onClick={() => toggle(key)}>
                  {column(key)}{sort.key === key ? (sort.order === "asc" ? " ▲" : " ▼") : ""}
                </button>
              </th>
            ))}
          </tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.tenant_id} data-code={r.code}>
                {COLUMNS.map((key) => key === "code"
                  ? <th scope="row" key={key}><Link to={`/tenants/${r.tenant_id}/report?year=${year}`}>{r.code}</Link></th>
                  : <td key={key}>{cell(key, r)}</td>)}
              </tr>
            ))}
          </tbody>
          <tfoot><tr>
            <th scope="row">{t("operator.national.totals", { count: report.totals.tenants ?? rows.length })}</th>
            <td></td><td>{n(report.totals.learners ?? 0)}</td><td>{n(report.totals.seats_used ?? 0)}</td>
            <td>{n(report.totals.enrollments ?? 0)}</td><td>{n(report.totals.completions ?? 0)}</td>
            <td>{formatPercent((report.totals.completion_rate ?? 0) * 100, lang)}</td><td>{n(report.totals.certificates ?? 0)}</td>
            <td>{n(report.totals.planned_learners ?? 0)}</td><td>{n(report.totals.learners_trained ?? 0)}</td>
            <td>{n(report.totals.year_end_submitted ?? 0)}</td>
          </tr></tfoot>
        </table>
      </div>

      <div className="charts">
        <Chart testId="chart-tenants" title={t("operator.national.byTenant")} spec={completionsChart(rows)} kind="bar" horizontal
          seriesName={(k) => t(`operator.columns.${k}`)} categoryHeader={column("code")} />
        <Chart testId="chart-plan" title={t("operator.national.plan", { year })} spec={planChart(rows)} kind="bar" horizontal
          seriesName={(k) => t(`operator.columns.${k}`)} categoryHeader={column("code")} />
      </div>

      <section className="card" aria-labelledby="board-heading" data-testid="board">
        <h2 id="board-heading">{t("operator.board.title", { year })}</h2>
        <BoardList title={t("operator.board.onTime")} entries={board.onTime} testId="board-on-time" />
        <BoardList title={t("operator.board.late")} entries={board.late} testId="board-late" />
        <BoardList title={t("operator.board.missing")} entries={board.missing} testId="board-missing" contacts />
      </section>
    </section>
  );
}

function BoardList({ title, entries, testId, contacts }: { title: string; entries: BoardEntry[]; testId: string; contacts?: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <div data-testid={testId}>
      <h3>{title} ({entries.length})</h3>
      {entries.length === 0 ? <p className="hint">{t("operator.board.none")}</p> : (
        <ul className="board">
          {entries.map(({ row, contact }) => (
            <li key={row.tenant_id} data-code={row.code}>
              <strong>{row.code}</strong> {row.name}
              {row.year_end.submitted_at && <> · {t("operator.board.version", { version: row.year_end.version, when: formatDateTime(row.year_end.submitted_at, i18n.language) })}</>}
              {contacts && contact && (
                <div className="contact">
                  {contact.full_name} · <a href={`tel:${contact.mobile}`}>{contact.mobile}</a> · <a href={`mailto:${contact.email}`}>{contact.email}</a>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
