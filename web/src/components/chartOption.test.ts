import { chartHeight, chartOption } from "./chartOption";
import { shortLabel, tableRows } from "./chartSpec";

const spec = { categories: ["2026-01", "2026-02"], series: [{ key: "completions", values: [3, 0] }, { key: "active_learners", values: [5, 1] }] };
const look = { kind: "bar" as const, seriesName: (k: string) => `name:${k}`, formatNumber: (n: number) => String(n) };

describe("chart option", () => {
  it("has one series per spec series, named, with its values", () => {
    const option = chartOption(spec, look);
    expect(option.series).toEqual([
      expect.objectContaining({ type: "bar", name: "name:completions", data: [3, 0] }),
      expect.objectContaining({ type: "bar", name: "name:active_learners", data: [5, 1] }),
    ]);
    expect(option.xAxis).toMatchObject({ type: "category", data: ["2026-01", "2026-02"] });
  });

  it("puts the categories on the vertical axis when horizontal, first on top, taller with more rows", () => {
    const option = chartOption(spec, { ...look, horizontal: true, categoryName: (c) => `m${c}` });
    expect(option.yAxis).toMatchObject({ type: "category", inverse: true, data: ["m2026-01", "m2026-02"] });
    const many = { categories: Array.from({ length: 20 }, (_, i) => `u${i}`), series: spec.series };
    expect(chartHeight(many, { horizontal: true })).toBeGreaterThan(chartHeight(spec, { horizontal: true }));
  });

  it("gives the table one row per category", () => {
    expect(tableRows(spec)).toEqual([{ category: "2026-01", values: [3, 5] }, { category: "2026-02", values: [0, 1] }]);
  });

  it("shortens long labels by characters, Vietnamese diacritics kept", () => {
    expect(shortLabel("Sở Thông tin và Truyền thông", 10)).toBe("Sở Thông …");
    expect(shortLabel("Sở Nội vụ", 10)).toBe("Sở Nội vụ");
  });
});
