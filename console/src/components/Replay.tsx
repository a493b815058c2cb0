import { type FormEvent, useEffect, useState } from "react";
import { messageOf, replay as replays } from "../api";
import { latency, time } from "../format";
import { Body, Masked, Pairs } from "./Body";
import { Table } from "./Table";
import type { ApiCall } from "@tapline/client";
import { BodyDiff_Kind, type Replay } from "@tapline/client";
import { NO_OVERRIDES, type OverridesDraft, overridesFrom } from "../overrides";

/** Replays the call with optional overrides, compares the outcome, and lists earlier replays. */
export function ReplayPanel({ call }: { call: ApiCall }) {
  const [draft, setDraft] = useState<OverridesDraft>(NO_OVERRIDES);
  const [follow, setFollow] = useState(false);
  const [shown, setShown] = useState<Replay | null>(null);
  const [history, setHistory] = useState<Replay[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const loadHistory = () =>
    replays
      .listReplays({ callId: call.id, service: call.service })
      .then((r) => setHistory(r.replays))
      .catch((e) => setError(messageOf(e)));
  useEffect(() => {
    loadHistory();
  }, [call.id, call.service]);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const result = await replays.replayCall({
        callId: call.id,
        service: call.service,
        overrides: overridesFrom(draft),
        followRedirects: follow,
      });
      setShown(result);
      loadHistory();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const area = (name: keyof OverridesDraft, label: string, placeholder: string) => (
    <label>
      {label}
      <textarea
        name={name}
        rows={2}
        placeholder={placeholder}
        value={draft[name] as string}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      />
    </label>
  );

  return (
    <section aria-labelledby="replay-title" className="replay">
      <h2 id="replay-title">Replay</h2>
      <form onSubmit={send} aria-label="Replay this call">
        <div className="grid">
          <label>
            URL
            <input name="url" placeholder={call.url} value={draft.url} onChange={(e) => setDraft({ ...draft, url: e.target.value })} />
          </label>
          <label>
            Method
            <input name="method" placeholder={call.method} value={draft.method} onChange={(e) => setDraft({ ...draft, method: e.target.value })} />
          </label>
          {area("headers", "Headers to set (name: value per line)", "authorization: Bearer …")}
          {area("removeHeaders", "Headers not to send", "cookie")}
          {area("queryParams", "Query parameters to set (name = value per line)", "api_key = …")}
          {area("bodyFields", "Masked body fields (/json/pointer = value per line)", "/card_number = 4111…")}
        </div>
        <label className="check">
          <input type="checkbox" checked={draft.overrideBody} onChange={(e) => setDraft({ ...draft, overrideBody: e.target.checked })} />
          Send another body
        </label>
        {draft.overrideBody && area("body", "Body", call.requestBody.slice(0, 80))}
        <div className="actions">
          <label className="check">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
            Follow redirects
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "Replaying…" : "Replay"}
          </button>
        </div>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {shown && <Comparison call={call} replay={shown} />}
      <Table
        caption="Replay history"
        empty="Not replayed yet."
        rows={history}
        rowKey={(r) => r.id}
        selected={(r) => shown?.id === r.id}
        columns={[
          {
            title: "Time",
            cell: (r) => (
              <button type="button" className="link" onClick={() => setShown(r)}>
                {time(r.createTime)}
              </button>
            ),
          },
          { title: "By key", cell: (r) => <span className="mono">{r.replayedBy}</span> },
          {
            title: "Target",
            cell: (r) => (
              <span className="path">
                <Masked text={r.request?.url ?? ""} />
              </span>
            ),
          },
          { title: "Status", numeric: true, cell: (r) => r.statusCode || "–" },
          { title: "Latency", numeric: true, cell: (r) => latency(r.latencyMs) },
          { title: "Result", cell: (r) => r.error || (r.comparison?.statusChanged ? "status changed" : summary(r)) },
        ]}
      />
    </section>
  );
}

function summary(r: Replay): string {
  const diff = r.comparison?.bodyDiff;
  if (!diff) return "";
  if (diff.kind === BodyDiff_Kind.IDENTICAL) return "same body";
  const changes = diff.added.length + diff.removed.length + diff.changed.length + diff.textDiff.length;
  return changes === 0 ? "same JSON" : `${changes} difference${changes === 1 ? "" : "s"}`;
}

/** The original and the replayed response side by side, and how their bodies differ. */
function Comparison({ call, replay }: { call: ApiCall; replay: Replay }) {
  const c = replay.comparison;
  const diff = c?.bodyDiff;
  return (
    <article className="comparison" aria-label="Comparison">
      {replay.error && (
        <p className="error" role="note">
          The replay failed: {replay.error}
        </p>
      )}
      {(replay.omittedHeaders.length > 0 || replay.omittedQueryParams.length > 0) && (
        <p className="badge warn" role="note">
          Left out because they were masked at ingest: {[...replay.omittedHeaders, ...replay.omittedQueryParams].join(", ")}
        </p>
      )}
      <div className="columns">
        <section aria-label="Original">
          <h3>Original</h3>
          <p>
            <span className="status">{call.statusCode}</span> · {latency(call.latencyMs)}
          </p>
          <Pairs label="Headers" pairs={call.responseHeaders} />
          <Body label="Response body" body={call.responseBody} size={call.responseBodySize} truncated={call.responseBodyTruncated} />
        </section>
        <section aria-label="Replayed">
          <h3>Replayed</h3>
          <p>
            <span className={c?.statusChanged ? "status changed" : "status"}>{replay.statusCode || "no response"}</span> ·{" "}
            {latency(replay.latencyMs)}
            {c && (
              <span className="muted">
                {" "}
                ({c.latencyDeltaMs >= 0 ? "+" : "−"}
                {latency(Math.abs(c.latencyDeltaMs))})
              </span>
            )}
          </p>
          <Pairs label="Headers" pairs={replay.responseHeaders} />
          <Body label="Response body" body={replay.responseBody} size={replay.responseBodySize} truncated={replay.responseBodyTruncated} />
        </section>
      </div>
      {diff && (
        <section aria-label="Body differences" className="diff">
          <h3>Body differences</h3>
          {diff.note && <p className="muted">{diff.note}</p>}
          {diff.kind === BodyDiff_Kind.IDENTICAL && <p>The bodies are identical.</p>}
          {diff.kind === BodyDiff_Kind.JSON && diff.added.length + diff.removed.length + diff.changed.length === 0 && (
            <p>The bodies are equal as JSON.</p>
          )}
          {diff.kind === BodyDiff_Kind.JSON && diff.added.length + diff.removed.length + diff.changed.length > 0 && (
            <Table
              caption="Fields that differ"
              rows={[
                ...diff.changed.map((f) => ({ ...f, change: "changed" })),
                ...diff.added.map((f) => ({ ...f, change: "added" })),
                ...diff.removed.map((f) => ({ ...f, change: "removed" })),
              ]}
              rowKey={(f) => f.change + f.path}
              rowClass={(f) => `diff-${f.change}`}
              columns={[
                { title: "Field", cell: (f) => <span className="mono">{f.path}</span> },
                { title: "Change", cell: (f) => f.change },
                { title: "Original", cell: (f) => <span className="mono">{f.before}</span> },
                { title: "Replayed", cell: (f) => <span className="mono">{f.after}</span> },
              ]}
            />
          )}
          {diff.kind === BodyDiff_Kind.TEXT && (
            <pre className="text-diff">
              {diff.textDiff.map((line, i) => (
                <span key={i} className={line.startsWith("+") ? "added" : line.startsWith("-") ? "removed" : undefined}>
                  {line}
                  {"\n"}
                </span>
              ))}
            </pre>
          )}
          {diff.truncated && <p className="muted">More differences exist than are listed.</p>}
        </section>
      )}
    </article>
  );
}
