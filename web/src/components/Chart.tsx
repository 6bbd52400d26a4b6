import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { chartHeight, chartOption, type ChartLook } from "./chartOption";
import { tableRows, type ChartSpec } from "./chartSpec";
import type { ChartHandle } from "./chartEngine";

type Props = Omit<ChartLook, "formatNumber"> & {
  title: string;
  spec: ChartSpec;
  /** Heading of the table's first column (what a category is: month, unit, course...). */
  categoryHeader: string;
  testId?: string;
};

/** A chart (canvas, hidden from assistive technology) with its numbers as a table beside it. */
export function Chart({ title, spec, categoryHeader, testId, ...look }: Props) {
  const { t, i18n } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const handle = useRef<ChartHandle | null>(null);
  const [failed, setFailed] = useState(false);
  const headingId = useId();
  const format = (n: number) => new Intl.NumberFormat(i18n.language === "en" ? "en-GB" : "vi-VN").format(n);
  const option = chartOption(spec, { ...look, formatNumber: format });
  const empty = spec.series.every((s) => s.values.every((v) => !v));

  useEffect(() => {
    let disposed = false;
    const target = element.current;
    if (!target || empty) return;
    import("./chartEngine").then(({ drawChart }) => {
      if (disposed) return;
      if (handle.current) handle.current.update(option);
      else handle.current = drawChart(target, option);
    }, () => setFailed(true));
    return () => { disposed = true; };
  });

  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const observer = new ResizeObserver(() => handle.current?.resize());
    observer.observe(target);
    return () => { observer.disconnect(); handle.current?.dispose(); handle.current = null; };
  }, [empty]);

  const rows = tableRows(spec);
  return (
    <figure className="chart" data-testid={testId} aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {empty ? <p className="hint">{t("reports.chart.empty")}</p>
        : <div ref={element} className="chart-canvas" aria-hidden="true" style={{ height: chartHeight(spec, look) }} />}
      {failed && <p className="hint">{t("reports.chart.failed")}</p>}
      <div className="table-scroll" role="region" tabIndex={0} aria-label={t("reports.chart.tableOf", { title })}>
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{categoryHeader}</th>
              {spec.series.map((s) => <th scope="col" key={s.key}>{look.seriesName(s.key)}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={`${row.category}-${i}`}>
                <th scope="row">{look.categoryName ? look.categoryName(row.category) : row.category}</th>
                {row.values.map((v, j) => <td key={j}>{format(v)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
