// What a chart shows, independent of the chart library: categories along one axis and one
// or more named series of numbers. The same spec feeds the canvas and the data table beside it.
export type ChartSeries = { key: string; values: number[] };
export type ChartSpec = { categories: string[]; series: ChartSeries[] };

/** Rows of the data table: one per category, one number per series. */
export function tableRows(spec: ChartSpec): { category: string; values: number[] }[] {
  return spec.categories.map((category, i) => ({ category, values: spec.series.map((s) => s.values[i] ?? 0) }));
}

/** Long labels (unit and course names) are cut on the axis so that a 360 px chart keeps room
 * for its bars; the full names are in the table and the tooltip. */
export function shortLabel(label: string, max = 18): string {
  const chars = Array.from(label);
  return chars.length <= max ? label : chars.slice(0, max - 1).join("") + "…";
}
