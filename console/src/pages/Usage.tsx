import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { messageOf, query } from "../api";
import { useAccess } from "../access";
import { Chart } from "../components/Chart";
import { GroupTable, Table } from "../components/Table";
import { STATUS_COLORS, count, percent } from "../format";
import { type BreakdownGroup, Dimension } from "@tapline/client";
import { PERIODS, type Period, periodWindow, pivot } from "../usage";
import { STATUS_CLASSES } from "../filters";

interface Data {
  plans: BreakdownGroup[];
  customers: BreakdownGroup[];
  pivot: BreakdownGroup[];
}

/** Usage by plan and customer: who uses the API, how much, on which routes (as API gateways bill). */
export function Usage() {
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const period = (params.get("period") as Period) in PERIODS ? (params.get("period") as Period) : "mtd";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const service = access.boundService || (params.get("service") ?? "");
  const plan = params.get("plan");
  const columns = params.get("columns") === "customer" ? "customer" : "plan";
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState("");

  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v === null || v === "" ? next.delete(k) : next.set(k, v);
    setParams(next);
  };

  useEffect(() => {
    const { start, end } = periodWindow(period, from, to, new Date());
    const filter = { service, startTime: timestampFromDate(start), endTime: timestampFromDate(end) };
    const abort = new AbortController();
    const options = { signal: abort.signal };
    let current = true;
    (async () => {
      const plans = await query.getBreakdown({ filter, dimensions: [Dimension.PLAN], limit: 50, quantiles: [0.95] }, options);
      const chosen = plan ?? plans.groups.find((g) => !g.other)?.values[0] ?? "";
      const [customers, routes] = await Promise.all([
        query.getBreakdown({ filter: { ...filter, plan: chosen }, dimensions: [Dimension.CUSTOMER, Dimension.STATUS_CLASS], limit: 200 }, options),
        query.getBreakdown(
          { filter, dimensions: [Dimension.ROUTE, columns === "plan" ? Dimension.PLAN : Dimension.CUSTOMER], limit: 1000 },
          options,
        ),
      ]);
      if (!current) return;
      setData({ plans: plans.groups, customers: customers.groups, pivot: routes.groups });
      if (plan === null && chosen) set({ plan: chosen });
      setError("");
    })().catch((e) => current && setError(messageOf(e)));
    return () => {
      current = false;
      abort.abort();
    };
  }, [period, from, to, service, plan, columns]);

  const byCustomer = useMemo(() => (data ? pivot(data.customers) : null), [data]);
  const routes = useMemo(() => (data ? pivot(data.pivot) : null), [data]);
  const topCustomers = byCustomer ? byCustomer.rows.slice(0, 10) : [];

  return (
    <>
      <h1>Usage{service && ` · ${service}`}</h1>
      <div className="toolbar">
        <fieldset className="range">
          <legend>Period</legend>
          {(Object.keys(PERIODS) as Period[]).map((p) => (
            <label key={p} className="pill">
              <input type="radio" name="period" checked={period === p} onChange={() => set({ period: p })} />
              {PERIODS[p]}
            </label>
          ))}
          {period === "custom" && (
            <>
              <label>
                From <input type="datetime-local" value={from} onChange={(e) => set({ from: e.target.value })} />
              </label>
              <label>
                To <input type="datetime-local" value={to} onChange={(e) => set({ to: e.target.value })} />
              </label>
            </>
          )}
        </fieldset>
        <label>
          Service
          <input
            name="service"
            placeholder="all services"
            disabled={access.boundService !== ""}
            defaultValue={service}
            onKeyDown={(e) => e.key === "Enter" && set({ service: e.currentTarget.value.trim(), plan: null })}
            onBlur={(e) => e.currentTarget.value.trim() !== service && set({ service: e.currentTarget.value.trim(), plan: null })}
          />
        </label>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {!data && !error && <p className="muted">Loading…</p>}
      {data && byCustomer && routes && (
        <>
          <section aria-labelledby="plans-title">
            <h2 id="plans-title">Traffic by plan</h2>
            <div className="columns">
              <Chart
                label="Share of traffic by plan"
                option={{
                  tooltip: { trigger: "item", valueFormatter: (v: number) => count(v) },
                  series: [
                    {
                      type: "pie",
                      radius: ["40%", "70%"],
                      data: data.plans.map((g) => ({ name: g.other ? "other" : g.values[0] || "(no plan)", value: Number(g.metrics!.count) })),
                    },
                  ],
                }}
              />
              <GroupTable
                caption="Plans"
                download="usage-plans.csv"
                groups={data.plans}
                title="Plan"
                name={(value) => (
                  <button type="button" className="link" onClick={() => set({ plan: value })}>
                    {value || "(no plan)"}
                  </button>
                )}
                figures={["requests", "share", "errors", "errorRate", "p95"]}
              />
            </div>
          </section>

          <section aria-labelledby="customers-title">
            <h2 id="customers-title">
              Top customers of the plan
              <select aria-label="Plan" value={plan ?? ""} onChange={(e) => set({ plan: e.target.value })}>
                {data.plans
                  .filter((g) => !g.other)
                  .map((g) => (
                    <option key={g.values[0]} value={g.values[0]}>
                      {g.values[0] || "(no plan)"}
                    </option>
                  ))}
              </select>
            </h2>
            <Chart
              label="Top customers by traffic, split by status class"
              height={Math.max(160, 28 * topCustomers.length + 60)}
              option={{
                tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
                legend: { bottom: 0 },
                grid: { left: 140, right: 16, top: 8, bottom: 40 },
                xAxis: { type: "value" },
                yAxis: { type: "category", inverse: true, data: topCustomers.map((c) => c || "(none)") },
                series: STATUS_CLASSES.filter((c) => byCustomer.columns.includes(c)).map((c) => ({
                  name: c,
                  type: "bar",
                  stack: "total",
                  color: STATUS_COLORS[c],
                  data: topCustomers.map((customer) => byCustomer.count.get(customer)?.get(c) ?? 0),
                })),
              }}
            />
            <Table
              caption="Customers of the plan"
              download={`usage-customers-${plan ?? ""}.csv`}
              rows={byCustomer.rows}
              rowKey={(r) => r}
              columns={[
                {
                  title: "Customer",
                  cell: (r) => (r ? <Link to={`/usage/customers/${encodeURIComponent(r)}?${params}`}>{r}</Link> : "(none)"),
                  value: (r) => r,
                },
                ...STATUS_CLASSES.map((c) => ({
                  title: c,
                  numeric: true,
                  cell: (r: string) => count(byCustomer.count.get(r)?.get(c) ?? 0),
                  value: (r: string) => byCustomer.count.get(r)?.get(c) ?? 0,
                })),
                { title: "Requests", numeric: true, cell: (r) => count(byCustomer.rowTotal.get(r)!), value: (r) => byCustomer.rowTotal.get(r)! },
                {
                  title: "Share of plan",
                  numeric: true,
                  cell: (r) => percent(byCustomer.rowTotal.get(r)! / byCustomer.total),
                  value: (r) => byCustomer.rowTotal.get(r)! / byCustomer.total,
                },
              ]}
            />
          </section>

          <section aria-labelledby="pivot-title">
            <h2 id="pivot-title">
              Routes by {columns}
              <select aria-label="Columns" value={columns} onChange={(e) => set({ columns: e.target.value })}>
                <option value="plan">by plan</option>
                <option value="customer">by customer</option>
              </select>
            </h2>
            <p className="muted">Each cell is that {columns}'s share of the route's traffic; the last columns give the route's requests and its share of all traffic.</p>
            <Table
              caption={`Share of traffic per route by ${columns}`}
              download={`usage-routes-by-${columns}.csv`}
              rows={routes.rows}
              rowKey={(r) => r}
              columns={[
                { title: "Route", cell: (r) => r || "(none)", value: (r) => r },
                ...routes.columns.slice(0, 12).map((col) => ({
                  title: col || "(none)",
                  numeric: true,
                  cell: (r: string) => {
                    const n = routes.count.get(r)?.get(col) ?? 0;
                    return n === 0 ? "" : <span title={`${count(n)} requests`}>{percent(n / routes.rowTotal.get(r)!)}</span>;
                  },
                  value: (r: string) => (routes.count.get(r)?.get(col) ?? 0) / routes.rowTotal.get(r)!,
                })),
                { title: "Requests", numeric: true, cell: (r) => count(routes.rowTotal.get(r)!), value: (r) => routes.rowTotal.get(r)! },
                { title: "Share of all", numeric: true, cell: (r) => percent(routes.rowTotal.get(r)! / routes.total), value: (r) => routes.rowTotal.get(r)! / routes.total },
              ]}
            />
          </section>
        </>
      )}
    </>
  );
}
