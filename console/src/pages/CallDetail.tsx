import { useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { labels, query, messageOf } from "../api";
import { DEFAULT_VIEW, paramsFromView } from "../filters";
import { latency, localInput, time } from "../format";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Body, Masked, Pairs } from "../components/Body";
import { ReplayPanel } from "../components/Replay";
import { useAccess } from "../access";
import type { ApiCall, Label } from "@tapline/client";

/** One call: request, response, timing, tags and the ids that tie it to others. */
export function CallDetail() {
  const access = useAccess();
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const service = params.get("service") ?? "";
  const [call, setCall] = useState<ApiCall | null>(null);
  const [error, setError] = useState("");
  const [history, setHistory] = useState<Label[]>([]);

  useEffect(() => {
    let current = true;
    const abort = new AbortController();
    query
      .getCall({ id, service }, { signal: abort.signal })
      .then((c) => {
        if (!current) return;
        setCall(c);
        return labels.listCallLabels({ service: c.service, callId: c.id }, { signal: abort.signal }).then((l) => current && setHistory(l.labels));
      })
      .catch((e) => current && setError(messageOf(e)));
    return () => {
      current = false;
      abort.abort();
    };
  }, [id, service]);

  if (error) return <p role="alert" className="error">{error}</p>;
  if (!call) return <p className="muted">Loading…</p>;

  const at = call.timestamp ? timestampDate(call.timestamp) : new Date();
  const sameTrace = `/calls?${paramsFromView({
    ...DEFAULT_VIEW,
    service: access.boundService,
    traceId: call.traceId,
    range: "custom",
    from: localInput(new Date(at.getTime() - 3600_000)),
    to: localInput(new Date(at.getTime() + 3600_000)),
    order: "oldest",
  })}`;
  const sameCustomer = `/calls?${paramsFromView({ ...DEFAULT_VIEW, service: call.service, customer: call.customerId, range: "7d" })}`;
  return (
    <article className="detail">
      <h1>
        <span className="method">{call.method}</span> <Masked text={call.path || call.url} />
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd className={`status s${Math.floor(call.statusCode / 100)}xx`}>{call.statusCode}</dd>
        <dt>Latency</dt>
        <dd>{latency(call.latencyMs)}</dd>
        <dt>Time</dt>
        <dd>{time(call.timestamp)}</dd>
        <dt>Service</dt>
        <dd>{call.service}</dd>
        <dt>Route</dt>
        <dd>{call.route || "–"}</dd>
        <dt>Customer</dt>
        <dd>{call.customerId ? <Link to={sameCustomer}>{call.customerId}</Link> : "–"}</dd>
        <dt>Plan</dt>
        <dd>{call.plan || "–"}</dd>
        <dt>Client IP</dt>
        <dd>{call.sourceIp || "–"}</dd>
        <dt>API key id</dt>
        <dd>{call.apiKeyId || "–"}</dd>
        <dt>Trace</dt>
        <dd className="mono">{call.traceId ? <Link to={sameTrace} title="Calls of this trace, an hour either side">{call.traceId}</Link> : "–"}</dd>
        <dt>Span</dt>
        <dd className="mono">{call.spanId || "–"}</dd>
        {call.sampleRate > 0 && call.sampleRate < 1 && (
          <>
            <dt>Sampled</dt>
            <dd>1 in {Math.round(1 / call.sampleRate)}</dd>
          </>
        )}
        <dt>Call id</dt>
        <dd className="mono">{call.id}</dd>
      </dl>
      {call.error && (
        <p className="error" role="note">
          Error: <Masked text={call.error} />
        </p>
      )}
      <p className="url">
        <Masked text={call.url} />
      </p>
      <Pairs label="Tags" pairs={call.tags} />
      <Pairs label="Extracted fields" pairs={extracted(call)} />
      {history.length > 0 && (
        <section aria-labelledby="labels-title">
          <h2 id="labels-title">Labels</h2>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Value</th>
                <th>Source</th>
                <th>Decided</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {history.map((l, i) => (
                <tr key={i} className={l.latest ? "" : "muted"}>
                  <td>{l.name}</td>
                  <td>{l.value}</td>
                  <td>{l.source}</td>
                  <td>{time(l.labelTime)}</td>
                  <td>{l.latest ? "latest" : "earlier"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <div className="columns">
        <section aria-labelledby="request-title">
          <h2 id="request-title">Request</h2>
          <Pairs label="Query parameters" pairs={call.queryParams} />
          <Pairs label="Request headers" pairs={call.requestHeaders} />
          <Body label="Request body" body={call.requestBody} size={call.requestBodySize} truncated={call.requestBodyTruncated} />
        </section>
        <section aria-labelledby="response-title">
          <h2 id="response-title">Response</h2>
          <Pairs label="Response headers" pairs={call.responseHeaders} />
          <Body label="Response body" body={call.responseBody} size={call.responseBodySize} truncated={call.responseBodyTruncated} />
        </section>
      </div>
      {access.may("replay") && <ReplayPanel call={call} />}
    </article>
  );
}

/** A call's extracted fields, string and number fields together, as text. */
function extracted(call: ApiCall): Record<string, string> {
  const fields: Record<string, string> = { ...call.stringFields };
  for (const [name, value] of Object.entries(call.numberFields)) fields[name] = String(value);
  return fields;
}
