// The chart library, loaded only when a chart is shown (dynamic import from Chart.tsx): learners
// never download it. Tree-shaken ECharts: only bar and line charts, the canvas renderer and the
// components the dashboards use.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartHandle = { update: (option: Record<string, unknown>) => void; resize: () => void; dispose: () => void };

export function drawChart(element: HTMLElement, option: Record<string, unknown>): ChartHandle {
  const chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption(option);
  return {
    update: (next) => chart.setOption(next, { notMerge: true }),
    resize: () => chart.resize(),
    dispose: () => chart.dispose(),
  };
}
