// The ECharts option of a chart spec: a plain object, built without the library so that it is
// unit-tested and so that only the lazily loaded chart engine imports ECharts.
import { shortLabel, type ChartSpec } from "./chartSpec";

// Blue, orange, green, purple: distinguishable with the common colour-vision deficiencies and
// at least 3:1 against white (WCAG 1.4.11 for graphical objects).
export const PALETTE = ["#0b4fa8", "#c2410c", "#1e6b32", "#6b21a8"];

export type ChartLook = {
  kind: "bar" | "line";
  /** Bars along the vertical axis: long names (units, courses, tenants) stay readable at 360 px. */
  horizontal?: boolean;
  seriesName: (key: string) => string;
  categoryName?: (category: string) => string;
  formatNumber: (n: number) => string;
};

export function chartOption(spec: ChartSpec, look: ChartLook) {
  const names = spec.categories.map(look.categoryName ?? ((c) => c));
  const categoryAxis = {
    type: "category", data: names,
    axisLabel: { formatter: (value: string) => shortLabel(value, look.horizontal ? 16 : 14), interval: look.horizontal ? 0 : "auto" },
    inverse: look.horizontal ?? false, // the first category on top, as in the table
  };
  const valueAxis = { type: "value", minInterval: 1, axisLabel: { formatter: look.formatNumber } };
  return {
    animation: false,
    color: PALETTE,
    aria: { enabled: false }, // the data table beside the chart is what assistive technology reads
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, data: spec.series.map((s) => look.seriesName(s.key)) },
    tooltip: { trigger: "axis", valueFormatter: (v: number) => look.formatNumber(v) },
    xAxis: look.horizontal ? valueAxis : categoryAxis,
    yAxis: look.horizontal ? categoryAxis : valueAxis,
    series: spec.series.map((s) => ({
      type: look.kind, name: look.seriesName(s.key), data: s.values,
      ...(look.kind === "line" ? { symbolSize: 6 } : { barMaxWidth: 28 }),
    })),
  };
}

/** Height for a horizontal chart: enough room per category for its bars and label. */
export function chartHeight(spec: ChartSpec, look: Pick<ChartLook, "horizontal">): number {
  if (!look.horizontal) return 260;
  return Math.max(160, 60 + spec.categories.length * 16 * Math.max(spec.series.length, 1));
}
