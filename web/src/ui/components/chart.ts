// Charts (uPlot): a line chart over time (reputation history) and grouped bars over categories
// (resolution time per tier). The chart is drawn once its box has a width, and follows resizes.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "../dom";

const COLOURS = ["#2f5bea", "#117a43", "#b42318", "#9a6200", "#7a3fc2"];

export interface Line {
  label: string;
  values: Array<number | null>;
}

function mountWhenSized(box: HTMLElement, build: (width: number) => uPlot): void {
  let plot: uPlot | null = null;
  const observer = new ResizeObserver(() => {
    const width = box.clientWidth;
    if (!width) return;
    if (!plot) plot = build(width);
    else plot.setSize({ width, height: plot.height });
    if (!box.isConnected) observer.disconnect();
  });
  observer.observe(box);
}

/** Lines over unix times; `format` renders a y value (a percentage, a duration). */
export function timeChart(opts: {
  xLabel?: string;
  testid: string;
  times: number[];
  lines: Line[];
  format?: (v: number) => string;
  height?: number;
}): HTMLElement {
  const box = h("div", { class: "chart", testid: opts.testid });
  const fmt = opts.format ?? ((v: number) => String(v));
  mountWhenSized(box, (width) =>
    new uPlot(
      {
        width,
        height: opts.height ?? 240,
        series: [
          { label: opts.xLabel ?? "" },
          ...opts.lines.map((l, i) => ({
            label: l.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            spanGaps: true,
            points: { show: opts.times.length <= 31, size: 5 }, // a day alone is a dot, not nothing
            value: (_: uPlot, v: number | null) => (v === null ? "—" : fmt(v)),
          })),
        ],
        axes: [{}, { values: (_: uPlot, ticks: number[]) => ticks.map(fmt), size: 60 }],
      },
      [opts.times, ...opts.lines.map((l) => l.values)] as uPlot.AlignedData,
      box,
    ),
  );
  return box;
}

/** Bars: one per category label (e.g. the median handling time of L1, L2 and L3). */
export function barChart(opts: {
  testid: string;
  xLabel?: string;
  categories: string[];
  bar: Line;
  format?: (v: number) => string;
  height?: number;
}): HTMLElement {
  const box = h("div", { class: "chart", testid: opts.testid });
  const fmt = opts.format ?? ((v: number) => String(v));
  const bars = uPlot.paths.bars!;
  mountWhenSized(box, (width) =>
    new uPlot(
      {
        width,
        height: opts.height ?? 240,
        scales: {
          x: { time: false, range: [-0.5, opts.categories.length - 0.5] },
          y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.15 : 1] },
        },
        series: [
          { label: opts.xLabel ?? "", value: (_: uPlot, v: number) => opts.categories[v] ?? "" },
          {
            label: opts.bar.label,
            fill: COLOURS[0] + "cc",
            stroke: COLOURS[0],
            paths: bars({ size: [0.6, 80] }),
            points: { show: false },
            value: (_: uPlot, v: number | null) => (v === null ? "—" : fmt(v)),
          },
        ],
        axes: [
          {
            splits: () => opts.categories.map((_, i) => i),
            values: (_: uPlot, ticks: number[]) => ticks.map((i) => opts.categories[i] ?? ""),
          },
          { values: (_: uPlot, ticks: number[]) => ticks.map(fmt), size: 70 },
        ],
      },
      [opts.categories.map((_, i) => i), opts.bar.values] as uPlot.AlignedData,
      box,
    ),
  );
  return box;
}
