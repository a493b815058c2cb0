import { useEffect, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { messageOf, query } from "../api";
import { useAccess } from "../access";
import { Chart } from "../components/Chart";
import { GroupTable } from "../components/Table";
import { DEFAULT_VIEW, paramsFromView } from "../filters";
import { STATUS_COLORS, count, latency, localInput, percent } from "../format";
import { type BreakdownGroup, type GetMetricsResponse, type GetTimeSeriesResponse, Dimension } from "@tapline/client";
import { PERIODS, type Period, periodWindow } from "../usage";

/** One customer over the usage period: traffic, errors, latency and the routes it uses. */
export function CustomerUsage() {
  const access = useAccess();
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const period = (params.get("period") as Period) in PERIODS ? (params.get("period") as Period) : "mtd";
  const service = access.boundService || (params.get("service") ?? "");
  const [data, setData] = useState<{ metrics: GetMetricsResponse; series: GetTimeSeriesResponse; routes: BreakdownGroup[] } | null>(null);
  const [error, setError] = useState("");
  const { start, end } = useMemo(() => periodWindow(period, params.get("from") ?? "", params.get("to") ?? "", new Date()), [params]);

  useEffect(() => {
    const filter = { service, customerId: id, startTime: timestampFromDate(start), endTime: timestampFromDate(end) };
    const abort = new AbortController();
    const options = { signal: abort.signal };
    Promise.all([
      query.getMetrics({ filter }, options),
      query.getTimeSeries({ filter, splitBy: Dimension.STATUS_CLASS }, options),
      query.getBreakdown({ filter, dimensions: [Dimension.ROUTE], limit: 100, quantiles: [0.95] }, options),
    ])
      .then(([metrics, series, routes]) => setData({ metrics, series, routes: routes.groups }))
      .catch((e) => !abort.signal.aborted && setError(messageOf(e)));
    return () => abort.abort();
  }, [id, service, start, end]);

  const calls = `/calls?${paramsFromView({ ...DEFAULT_VIEW, service, customer: id, range: "custom", from: localInput(start), to: localInput(new Date(end.getTime() + 60_000)) })}`;
  const m = data?.metrics.metrics;
  return (
    <>
      <h1>
        Customer {id} <span className="muted">· {PERIODS[period]}</span>
      </h1>
      <p>
        <Link to={`/usage?${params}`}>Back to usage</Link> · <Link to={calls}>This customer's calls</Link>
      </p>
      {error && <p role="alert" className="error">{error}</p>}
      {data && m && (
        <>
          <dl className="facts stats">
            <dt>Requests</dt>
            <dd>{count(m.count)}</dd>
            <dt>Errors</dt>
            <dd>
              {count(m.errors)} ({percent(m.errorRate)})
            </dd>
            <dt>p50 / p95 / p99</dt>
            <dd>
              {latency(m.p50LatencyMs)} / {latency(m.p95LatencyMs)} / {latency(m.p99LatencyMs)}
            </dd>
          </dl>
          <Chart
            label="Requests over time by status class"
            option={{
              tooltip: { trigger: "axis" },
              legend: { bottom: 0 },
              grid: { left: 56, right: 16, top: 16, bottom: 48 },
              xAxis: { type: "time" },
              yAxis: { type: "value" },
              series: data.series.series.map((s) => ({
                name: s.value,
                color: STATUS_COLORS[s.value],
                type: "bar",
                stack: "total",
                data: s.buckets.map((b) => [timestampDate(b.startTime!).getTime(), Number(b.metrics!.count)]),
              })),
            }}
          />
          <GroupTable
            caption="Routes used"
            download={`customer-${id}-routes.csv`}
            groups={data.routes}
            title="Route"
            name={(value) => value || "(none)"}
            figures={["requests", "share", "errorRate", "p95"]}
          />
        </>
      )}
    </>
  );
}
