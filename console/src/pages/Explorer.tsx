import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { query, messageOf } from "../api";
import { useAccess } from "../access";
import { RangePicker } from "../components/RangePicker";
import { Table } from "../components/Table";
import {
  ORDERS,
  STATUS_CLASSES,
  type CallView,
  type OrderName,
  callFilter,
  paramsFromView,
  viewFromParams,
} from "../filters";
import { latency, statusClass, time } from "../format";
import { downloadExport, type ExportFormatName } from "../exportDownload";
import type { ApiCall } from "@tapline/client";

const PAGE_SIZE = 50;

/** Call ids are unique within a service. */
const callKey = (c: ApiCall) => `${c.service}/${c.id}`;
const LIVE_EVERY_MS = 2000;

/** Every call matching a filter, newest (or oldest, or slowest) first, a page at a time. */
export function Explorer() {
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const view = viewFromParams(params);
  if (access.boundService) view.service = access.boundService;
  const viewKey = paramsFromView(view).toString();
  const [draft, setDraft] = useState<CallView>(view);
  const [calls, setCalls] = useState<ApiCall[]>([]);
  const [next, setNext] = useState("");
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [live, setLive] = useState(false);
  /** The time the first page was asked for: further pages and live updates keep to it. */
  const asked = useRef(new Date());

  useEffect(() => {
    setDraft(view);
    asked.current = new Date();
    setLoading(true);
    let current = true;
    const abort = new AbortController();
    query
      .searchCalls(
        { filter: callFilter(view, asked.current), pageSize: PAGE_SIZE, order: ORDERS[view.order] },
        { signal: abort.signal },
      )
      .then((page) => {
        if (!current) return;
        setCalls(page.calls);
        setNext(page.nextPageToken);
        setError("");
      })
      .catch((e) => current && setError(messageOf(e)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
      abort.abort();
    };
  }, [viewKey]);

  useEffect(() => {
    if (!live || view.order !== "newest") return;
    const timer = setInterval(async () => {
      const newest = calls[0]?.timestamp;
      const now = new Date();
      const filter = callFilter(view, now);
      if (newest && timestampDate(newest) > timestampDate(filter.startTime!)) filter.startTime = newest;
      try {
        const page = await query.searchCalls({ filter, pageSize: PAGE_SIZE, order: ORDERS.newest });
        setCalls((shown) => {
          const ids = new Set(shown.map(callKey));
          const fresh = page.calls.filter((c) => !ids.has(callKey(c)));
          return fresh.length ? [...fresh, ...shown] : shown;
        });
      } catch (e) {
        setError(messageOf(e));
      }
    }, LIVE_EVERY_MS);
    return () => clearInterval(timer);
  }, [live, viewKey, calls]);

  const loadMore = async () => {
    setLoading(true);
    try {
      const page = await query.searchCalls({
        filter: callFilter(view, asked.current),
        pageSize: PAGE_SIZE,
        order: ORDERS[view.order],
        pageToken: next,
      });
      setCalls((shown) => [...shown, ...page.calls]);
      setNext(page.nextPageToken);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };

  const [exportFormat, setExportFormat] = useState<ExportFormatName>("parquet");
  const [exporting, setExporting] = useState(false);
  const exportCalls = async () => {
    setExporting(true);
    try {
      const refused = await downloadExport(callFilter(view, new Date()), exportFormat);
      setError(refused ?? "");
    } finally {
      setExporting(false);
    }
  };

  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    setParams(paramsFromView(draft));
  };
  const field = (name: keyof CallView, label: string, props: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input
        name={name}
        value={draft[name] as string}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
        {...props}
      />
    </label>
  );

  return (
    <>
      <h1>Calls</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter calls">
        <RangePicker value={draft} onChange={(r) => setDraft({ ...draft, ...r })} />
        <div className="grid">
          {field("service", "Service", { disabled: access.boundService !== "" })}
          {field("method", "Method", { placeholder: "GET" })}
          {field("status", "Status code", { inputMode: "numeric", placeholder: "404" })}
          {field("route", "Route", { placeholder: "/users/{id}" })}
          {field("pathPrefix", "Path prefix", { placeholder: "/v1/" })}
          {field("pathContains", "Path contains")}
          {field("minLatency", "Min latency (ms)", { inputMode: "decimal" })}
          {field("maxLatency", "Max latency (ms)", { inputMode: "decimal" })}
          {field("customer", "Customer")}
          {field("plan", "Plan")}
          {field("apiKeyId", "API key id")}
          {field("sourceIp", "Client IP")}
          {field("text", "Text (URL, bodies)")}
          {field("traceId", "Trace id")}
          <label>
            Tags
            <input
              name="tags"
              placeholder="region=eu, version=2"
              value={draft.tags.join(", ")}
              onChange={(e) => setDraft({ ...draft, tags: e.target.value.split(",").map((t) => t.trim()).filter((t) => t !== "") })}
            />
          </label>
          <label>
            Errors
            <select name="errors" value={draft.errors} onChange={(e) => setDraft({ ...draft, errors: e.target.value as CallView["errors"] })}>
              <option value="">All calls</option>
              <option value="only">Only with an error</option>
              <option value="none">Only without</option>
            </select>
          </label>
          <label>
            Order
            <select name="order" value={draft.order} onChange={(e) => setDraft({ ...draft, order: e.target.value as OrderName })}>
              <option value="newest">Newest first</option>
              <option value="oldest">Oldest first</option>
              <option value="slowest">Slowest first</option>
            </select>
          </label>
        </div>
        <fieldset className="classes">
          <legend>Status class</legend>
          {STATUS_CLASSES.map((c) => (
            <label key={c} className="pill">
              <input
                type="checkbox"
                checked={draft.classes.includes(c)}
                onChange={(e) =>
                  setDraft({ ...draft, classes: e.target.checked ? [...draft.classes, c] : draft.classes.filter((x) => x !== c) })
                }
              />
              {c}
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit">Apply</button>
          <label className="check">
            <input
              type="checkbox"
              checked={live}
              disabled={view.order !== "newest"}
              onChange={(e) => setLive(e.target.checked)}
            />
            Live (new calls appear as they arrive)
          </label>
          <label>
            Export format
            <select value={exportFormat} onChange={(e) => setExportFormat(e.target.value as ExportFormatName)}>
              <option value="parquet">Parquet</option>
              <option value="csv">CSV</option>
              <option value="jsonl">JSON Lines</option>
            </select>
          </label>
          <button type="button" className="plain" disabled={exporting} onClick={exportCalls}>
            {exporting ? "Exporting…" : "Export these calls"}
          </button>
        </div>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      <Table
        className="calls"
        caption={loading && calls.length === 0 ? "Loading…" : `${calls.length} calls shown`}
        empty={loading ? "Loading…" : "No calls match this filter."}
        rows={calls}
        rowKey={callKey}
        rowClass={(c) => (c.error || c.statusCode >= 500 ? "failed" : undefined)}
        columns={[
          {
            title: "Time",
            cell: (c) => <Link to={`/calls/${encodeURIComponent(c.id)}?service=${encodeURIComponent(c.service)}`}>{time(c.timestamp)}</Link>,
          },
          { title: "Service", cell: (c) => c.service },
          { title: "Method", cell: (c) => c.method },
          { title: "Path", cell: (c) => <span className="path">{c.path}</span> },
          { title: "Route", cell: (c) => c.route },
          { title: "Status", numeric: true, cell: (c) => <span className={`status s${statusClass(c.statusCode)}`}>{c.statusCode}</span> },
          { title: "Latency", numeric: true, cell: (c) => latency(c.latencyMs) },
          { title: "Customer", cell: (c) => c.customerId },
          { title: "Plan", cell: (c) => c.plan },
        ]}
      />
      {next && (
        <button type="button" onClick={loadMore} disabled={loading}>
          Load more
        </button>
      )}
    </>
  );
}
