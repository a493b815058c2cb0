import { useEffect, useRef } from "react";
import type { EChartsCoreOption } from "echarts/core";

type Charts = typeof import("./echarts");
let loading: Promise<Charts> | null = null;

/** A chart drawn by ECharts; {@code label} names it for screen readers. */
export function Chart({ option, label, height = 220 }: { option: EChartsCoreOption; label: string; height?: number }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<Charts["echarts"]["init"]> | null>(null);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    (loading ??= import("./echarts")).then(({ echarts }) => {
      if (disposed || !element.current) return;
      const dark = document.documentElement.dataset.theme === "dark";
      chart.current = echarts.init(element.current, dark ? "dark" : undefined, { renderer: "canvas" });
      chart.current.setOption({ backgroundColor: "transparent", ...option });
      element.current.dataset.ready = "true";
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(element.current);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
    // Drawn again when the option changes (a new object each refresh).
  }, [option]);

  return (
    <figure className="chart">
      <figcaption>{label}</figcaption>
      <div ref={element} role="img" aria-label={label} style={{ height }} />
    </figure>
  );
}
