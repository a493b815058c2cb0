import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { query, messageOf } from "../api";
import { useAccess } from "../access";
import { Chart } from "../components/Chart";
import { RangePicker, type Range } from "../components/RangePicker";
import { GroupTable } from "../components/Table";
import { STATUS_COLORS } from "../format";
import { DEFAULT_VIEW, RANGES, callFilter, paramsFromView, timeWindow, type CallView, type RangeName, type StatusClassName } from "../filters";
import {
  type BreakdownGroup,
  type GetTimeSeriesResponse,
  BreakdownSort,
  Dimension,
} from "@tapline/client";

const QUANTILES = [0.5, 0.95, 0.99];

interface Data {
  services: BreakdownGroup[];
  series: GetTimeSeriesResponse;
  /** One service's latency quantiles over time; null when no service is in focus. */
  quantiles: GetTimeSeriesResponse | null;
  routes: BreakdownGroup[];
  classes: BreakdownGroup[];
}

/** Per service: requests, errors and latency quantiles over a range, with their time series. */
export function Overview() {
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const range: Range = {
    range: (params.get("range") as RangeName) ?? DEFAULT_VIEW.range,
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
  if (!(range.range in RANGES) && range.range !== "custom") range.range = DEFAULT_VIEW.range;
  const service = access.boundService || (params.get("service") ?? "");
  const [autoRefresh, setAutoRefresh] = useState(true);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState("");
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const now = new Date();
    const filter = callFilter({ ...DEFAULT_VIEW, ...range, service: access.boundService }, now);
    const focused = callFilter({ ...DEFAULT_VIEW, ...range, service }, now);
    let current = true;
    const abort = new AbortController();
    const options = { signal: abort.signal };
    Promise.all([
      query.getBreakdown({ filter, dimensions: [Dimension.SERVICE], quantiles: QUANTILES, limit: 50 }, options),
      query.getTimeSeries(
        {
          filter: focused.service ? focused : filter,
          splitBy: focused.service ? Dimension.STATUS_CLASS : Dimension.SERVICE,
          quantiles: [0.95],
          seriesLimit: 8,
        },
        options,
      ),
      query.getBreakdown(
        { filter: focused, dimensions: [Dimension.ROUTE], limit: 10, sort: BreakdownSort.COUNT, quantiles: [0.95] },
        options,
      ),
      query.getBreakdown({ filter: focused, dimensions: [Dimension.STATUS_CLASS], limit: 5 }, options),
      focused.service ? query.getTimeSeries({ filter: focused }, options) : Promise.resolve(null),
    ])
      .then(([services, series, routes, classes, quantiles]) => {
        if (!current) return;
        setData({ services: services.groups, series, quantiles, routes: routes.groups, classes: classes.groups });
        setError("");
      })
      .catch((e) => current && setError(messageOf(e)));
    return () => {
      current = false;
      abort.abort();
    };
    // Asked again when the range, the service or the refresh tick change.
  }, [range.range, range.from, range.to, service, tick]);

  useEffect(() => {
    if (!autoRefresh) return;
    const span = timeWindow(range, new Date());
    const every = span.end.getTime() - span.start.getTime() <= 3600_000 ? 15_000 : 60_000;
    const timer = setInterval(() => setTick((t) => t + 1), every);
    return () => clearInterval(timer);
  }, [autoRefresh, range.range]);

  const setRange = (r: Range) => {
    const next = new URLSearchParams(params);
    next.set("range", r.range);
    r.range === "custom" ? next.set("from", r.from) : next.delete("from");
    r.range === "custom" && r.to ? next.set("to", r.to) : next.delete("to");
    setParams(next);
  };
  const focus = (name: string) => {
    const next = new URLSearchParams(params);
    name ? next.set("service", name) : next.delete("service");
    setParams(next);
  };
  const explore = (extra: Partial<CallView>) =>
    `/calls?${paramsFromView({ ...DEFAULT_VIEW, ...range, service, ...extra })}`;

  const charts = useMemo(() => (data ? chartOptions(data.series, data.quantiles) : null), [data]);

  return (
    <>
      <h1>Overview{service && ` · ${service}`}</h1>
      <div className="toolbar">
        <RangePicker value={range} onChange={setRange} />
        <label className="check">
          <input type="checkbox" checked={autoRefresh} onChange={(e) => setAutoRefresh(e.target.checked)} />
          Auto-refresh
        </label>
        {service && !access.boundService && (
          <button type="button" className="plain" onClick={() => focus("")}>
            All services
          </button>
        )}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {data && charts && (
        <>
          <GroupTable
            caption="Services"
            download="services.csv"
            groups={data.services}
            title="Service"
            name={(value) => (
              <button type="button" className="link" onClick={() => focus(value)}>
                {value}
              </button>
            )}
            figures={["requests", "errors", "errorRate", "p50", "p95", "p99"]}
          />
          <section className="charts" aria-label="Time series">
            <Chart label="Requests over time" option={charts.requests} />
            <Chart label={data.quantiles ? "Latency over time (p50, p95, p99)" : "p95 latency over time"} option={charts.latency} />
            <Chart label="Error rate over time" option={charts.errors} />
          </section>
          <div className="columns">
            <GroupTable
              caption={`Top routes${service ? "" : " (all services)"}`}
              download="routes.csv"
              groups={data.routes}
              title="Route"
              name={(value) => <Link to={explore({ route: value })}>{value || "(none)"}</Link>}
              figures={["requests", "share", "errorRate", "p95"]}
            />
            <GroupTable
              caption="Status classes"
              download="status-classes.csv"
              groups={data.classes}
              title="Class"
              name={(value) => <Link to={explore({ classes: [value as StatusClassName] })}>{value}</Link>}
              figures={["requests", "share"]}
            />
          </div>
        </>
      )}
      {!data && !error && <p className="muted">Loading…</p>}
    </>
  );
}

type Metrics = NonNullable<GetTimeSeriesResponse["series"][number]["buckets"][number]["metrics"]>;

function chartOptions(response: GetTimeSeriesResponse, quantiles: GetTimeSeriesResponse | null) {
  const line = (unit: string, value: (m: Metrics) => number, stacked = false) => ({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: unit, axisLabel: { hideOverlap: true } },
    series: response.series.map((s) => ({
      name: s.other ? "other" : s.value || "(none)",
      color: STATUS_COLORS[s.value],
      type: stacked ? "bar" : "line",
      stack: stacked ? "total" : undefined,
      showSymbol: false,
      data: s.buckets.map((b) => [timestampDate(b.startTime!).getTime(), value(b.metrics!)]),
    })),
  });
  return {
    requests: line("requests", (m) => Number(m.count), true),
    latency: quantiles ? quantileLines(quantiles) : line("ms", (m) => (m.count > 0n ? m.p95LatencyMs : NaN)),
    errors: line("%", (m) => (m.count > 0n ? m.errorRate * 100 : NaN)),
  };
}

/** p50, p95 and p99 of one unsplit series, one line each. */
function quantileLines(response: GetTimeSeriesResponse) {
  const buckets = response.series[0]?.buckets ?? [];
  const levels: [string, (m: Metrics) => number][] = [
    ["p50", (m) => m.p50LatencyMs],
    ["p95", (m) => m.p95LatencyMs],
    ["p99", (m) => m.p99LatencyMs],
  ];
  return {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: "ms", axisLabel: { hideOverlap: true } },
    series: levels.map(([name, value]) => ({
      name,
      type: "line",
      showSymbol: false,
      data: buckets.map((b) => [timestampDate(b.startTime!).getTime(), b.metrics!.count > 0n ? value(b.metrics!) : NaN]),
    })),
  };
}
