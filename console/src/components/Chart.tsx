import { useEffect, useRef, useState } from "react";
import { THEME_CHANGED } from "../theme";
import type { EChartsCoreOption } from "echarts/core";

type Charts = typeof import("./echarts");
let loading: Promise<Charts> | null = null;

/** A chart drawn by ECharts; {@code label} names it for screen readers. */
export function Chart({ option, label, height = 220 }: { option: EChartsCoreOption; label: string; height?: number }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<Charts["echarts"]["init"]> | null>(null);
  const [theme, setTheme] = useState(document.documentElement.dataset.theme);

  useEffect(() => {
    const follow = () => setTheme(document.documentElement.dataset.theme);
    window.addEventListener(THEME_CHANGED, follow);
    return () => window.removeEventListener(THEME_CHANGED, follow);
  }, []);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    (loading ??= import("./echarts")).then(({ echarts }) => {
      if (disposed || !element.current) return;
      chart.current = echarts.init(element.current, theme === "dark" ? "dark" : undefined, { renderer: "canvas" });
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
    // Drawn again when the option changes (a new object each refresh) or the theme does.
  }, [option, theme]);

  return (
    <figure className="chart">
      <figcaption>{label}</figcaption>
      <div ref={element} role="img" aria-label={label} style={{ height }} />
    </figure>
  );
}
