import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { Link } from "react-router";
import { alerts, messageOf } from "../api";
import { useAccess } from "../access";
import { useAlertFeed } from "../alertFeed";
import { Table, editDeleteColumn } from "../components/Table";
import { time } from "../format";
import {
  Aggregate,
  DriftMetric,
  AlertEventKind,
  type AlertEvent,
  type AlertRule,
  Comparison,
  Severity,
  type WebhookDelivery,
  WebhookFormat,
} from "@tapline/client";
import {
  KIND_LABELS,
  NEW_RULE,
  type RuleDraft,
  type RuleKind,
  draftFromRule,
  fieldError,
  kindOf,
  ruleFromDraft,
} from "../rules";

/** Alert rules (listed for all, edited by admins), a live feed of events and webhook deliveries. */
export function Alerts() {
  const access = useAccess();
  const [rules, setRules] = useState<AlertRule[]>([]);
  const [editing, setEditing] = useState<RuleDraft | null>(null);
  const [error, setError] = useState("");
  const [selected, setSelected] = useState<AlertEvent | null>(null);
  const feed = useAlertFeed(access.boundService);

  const loadRules = () =>
    alerts
      .listAlertRules({ service: access.boundService })
      .then((r) => setRules(r.rules))
      .catch((e) => setError(messageOf(e)));
  useEffect(() => {
    loadRules();
  }, []);

  const remove = async (rule: AlertRule) => {
    if (!confirm(`Delete the rule "${rule.name}"?`)) return;
    try {
      await alerts.deleteAlertRule({ id: rule.id });
      await loadRules();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <>
      <h1>Alerts</h1>
      {error && <p role="alert" className="error">{error}</p>}
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">
          Rules
          {access.admin && !editing && (
            <button type="button" className="small" onClick={() => setEditing({ ...NEW_RULE, service: access.boundService })}>
              New rule
            </button>
          )}
        </h2>
        {editing && (
          <RuleEditor
            draft={editing}
            onCancel={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              loadRules();
            }}
          />
        )}
        <Table
          caption="Alert rules"
          empty="No rules yet."
          rows={rules}
          rowKey={(r) => r.id}
          columns={[
            { title: "Name", cell: (r) => r.name },
            { title: "Service", cell: (r) => r.service },
            { title: "Kind", cell: (r) => kindOf(r) },
            { title: "Severity", cell: (r) => Severity[r.severity] },
            { title: "Enabled", cell: (r) => (r.enabled ? "yes" : "no") },
            ...(access.admin ? [editDeleteColumn<AlertRule>((r) => setEditing(draftFromRule(r)), remove)] : []),
          ]}
        />
      </section>
      <section aria-labelledby="events-title">
        <h2 id="events-title">
          Events <span className={`feed ${feed.state}`} role="status">{feed.state === "live" ? "live" : feed.state + "…"}</span>
        </h2>
        {feed.error && feed.state !== "live" && <p className="muted">{feed.error}</p>}
        <Table
          className="events"
          caption="Alert events"
          empty="No events yet."
          rows={feed.events}
          rowKey={(e) => String(e.id)}
          selected={(e) => selected?.id === e.id}
          columns={[
            {
              title: "Time",
              cell: (e) => (
                <button type="button" className="link" onClick={() => setSelected(e)}>
                  {time(e.eventTime)}
                </button>
              ),
            },
            { title: "Rule", cell: (e) => e.ruleName },
            { title: "Service", cell: (e) => e.service },
            { title: "Severity", cell: (e) => <span className={`severity ${Severity[e.severity]}`}>{Severity[e.severity]}</span> },
            { title: "Kind", cell: (e) => AlertEventKind[e.kind] },
            { title: "Description", cell: (e) => e.description },
          ]}
        />
        {selected && <EventDetail event={selected} />}
      </section>
    </>
  );
}

function EventDetail({ event }: { event: AlertEvent }) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setDeliveries(null);
    alerts
      .listWebhookDeliveries({ eventId: event.id, ruleId: event.ruleId })
      .then((r) => setDeliveries(r.deliveries))
      .catch((e) => setError(messageOf(e)));
  }, [event.id]);
  return (
    <article className="event-detail" aria-label={`Event ${event.id}`}>
      <h3>Event {String(event.id)}: {event.ruleName}</h3>
      <p>{event.description}</p>
      {event.sampleCallIds.length > 0 && (
        <p>
          Sample calls:{" "}
          {event.sampleCallIds.map((id) => (
            <Link key={id} to={`/calls/${encodeURIComponent(id)}?service=${encodeURIComponent(event.service)}`} className="mono">
              {id}{" "}
            </Link>
          ))}
        </p>
      )}
      {error && <p className="error">{error}</p>}
      {deliveries && (
        <Table
          caption="Webhook deliveries"
          empty="No deliveries (the rule has no webhook, or none was sent yet)."
          rows={deliveries}
          rowKey={(d) => `${d.url}/${d.attempt}`}
          columns={[
            { title: "Time", cell: (d) => time(d.time) },
            { title: "URL", cell: (d) => d.url },
            { title: "Attempt", cell: (d) => d.attempt },
            { title: "HTTP status", cell: (d) => d.httpStatus || "–" },
            { title: "Result", cell: (d) => (d.success ? "delivered" : d.error || "failed") },
          ]}
        />
      )}
    </article>
  );
}

/** Creates or edits a rule; the server's validation messages appear beside the fields they name. */
function RuleEditor({ draft: initial, onCancel, onSaved }: { draft: RuleDraft; onCancel: () => void; onSaved: () => void }) {
  const access = useAccess();
  const [d, setD] = useState(initial);
  const [problem, setProblem] = useState<{ field: string; reason: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<RuleDraft>) => setD({ ...d, ...patch });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const rule = ruleFromDraft(d);
      await (d.id ? alerts.updateAlertRule({ rule }) : alerts.createAlertRule({ rule }));
      onSaved();
    } catch (e) {
      setProblem(fieldError(messageOf(e)));
    } finally {
      setBusy(false);
    }
  };
  /** The server's message when it names this field (or a part of it). */
  const errorAt = (path: string): ReactNode => {
    if (!problem || !problem.field) return null;
    const f = problem.field;
    if (f !== path && !f.startsWith(path + ".") && !f.startsWith(path + "[")) return null;
    return (
      <span className="field-error" role="alert">
        {problem.reason}
      </span>
    );
  };
  const text = (name: keyof RuleDraft, label: string, path: string, props: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input
        name={path}
        value={d[name] as string}
        aria-invalid={errorAt(path) ? true : undefined}
        onChange={(e) => set({ [name]: e.target.value } as Partial<RuleDraft>)}
        {...props}
      />
      {errorAt(path)}
    </label>
  );
  const select = <T extends string>(name: keyof RuleDraft, label: string, path: string, options: readonly T[]) => (
    <label>
      {label}
      <select name={path} value={d[name] as string} onChange={(e) => set({ [name]: e.target.value } as Partial<RuleDraft>)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      {errorAt(path)}
    </label>
  );
  const enumNames = (e: object) => Object.keys(e).filter((k) => isNaN(Number(k)) && !k.endsWith("UNSPECIFIED"));
  const unplaced = problem && (problem.field === "" || !FIELDS.some((p) => problem.field === p || problem.field.startsWith(p + ".") || problem.field.startsWith(p + "[")));

  return (
    <form className="editor" onSubmit={save} aria-label={d.id ? "Edit rule" : "New rule"}>
      <div className="grid">
        {text("name", "Name", "name", { required: true })}
        {text("service", "Service", "service", { disabled: access.boundService !== "" })}
        {text("route", "Route (optional)", "route")}
        {text("customerId", "Customer (optional)", "customer_id")}
        {text("plan", "Plan (optional)", "plan")}
        {select("severity", "Severity", "severity", enumNames(Severity))}
        {text("description", "Description", "description")}
        <label className="check">
          <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          Enabled
        </label>
      </div>
      <fieldset>
        <legend>Condition</legend>
        {(Object.keys(KIND_LABELS) as RuleKind[]).map((k) => (
          <label key={k} className="pill">
            <input type="radio" name="kind" value={k} checked={d.kind === k} onChange={() => set({ kind: k })} />
            {KIND_LABELS[k]}
          </label>
        ))}
        {errorAt("condition")}
        {d.kind === "perCall" && (
          <div className="clauses">
            {d.clauses.map((c, i) => (
              <div key={i} className="clause" role="group" aria-label={`Clause ${i + 1}`}>
                <input aria-label="Field" placeholder="status_code" value={c.field} onChange={(e) => set({ clauses: d.clauses.map((x, j) => (j === i ? { ...x, field: e.target.value } : x)) })} />
                <select aria-label="Operator" value={c.op} onChange={(e) => set({ clauses: d.clauses.map((x, j) => (j === i ? { ...x, op: e.target.value } : x)) })}>
                  {["=", "!=", "<", "<=", ">", ">=", "in", "matches"].map((op) => (
                    <option key={op}>{op}</option>
                  ))}
                </select>
                <input aria-label="Value" value={c.value} onChange={(e) => set({ clauses: d.clauses.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />
                <button type="button" className="plain small" aria-label={`Remove clause ${i + 1}`} onClick={() => set({ clauses: d.clauses.filter((_, j) => j !== i) })}>
                  Remove
                </button>
                {errorAt(`per_call.clauses[${i}]`)}
              </div>
            ))}
            {problem?.field === "per_call.clauses" && errorAt("per_call.clauses")}
            <button type="button" className="plain small" onClick={() => set({ clauses: [...d.clauses, { field: "", op: "=", value: "" }] })}>
              Add clause
            </button>
            {text("cooldownSeconds", "Cooldown (seconds)", "cooldown", { inputMode: "numeric", placeholder: "60" })}
          </div>
        )}
        {d.kind === "windowed" && (
          <div className="grid">
            {select("aggregate", "Aggregate", "windowed.aggregate", enumNames(Aggregate))}
            {d.aggregate === "STATUS_CLASS_COUNT" && text("statusClass", "Status class (1–5)", "windowed.status_class", { inputMode: "numeric" })}
            {select("comparison", "Comparison", "windowed.comparison", enumNames(Comparison))}
            {text("threshold", "Threshold", "windowed.threshold", { inputMode: "decimal", required: true })}
            {text("resolveThreshold", "Resolve threshold (optional)", "windowed.resolve_threshold", { inputMode: "decimal" })}
            {text("windowSeconds", "Window (seconds)", "windowed.window", { inputMode: "numeric" })}
            {text("minSamples", "Minimum calls", "windowed.min_samples", { inputMode: "numeric" })}
          </div>
        )}
        {d.kind === "absence" && <div className="grid">{text("windowSeconds", "Window (seconds)", "absence.window", { inputMode: "numeric" })}</div>}
        {d.kind === "burnRate" && (
          <div className="grid">
            {text("target", "Objective (share of good calls)", "burn_rate.target", { inputMode: "decimal" })}
            {text("latencyObjectiveMs", "Latency objective (ms, optional)", "burn_rate.latency_objective_ms", { inputMode: "decimal" })}
            {text("burnRate", "Burn rate (14.4 when empty)", "burn_rate.burn_rate", { inputMode: "decimal" })}
            {text("minSamples", "Minimum calls", "burn_rate.min_samples", { inputMode: "numeric" })}
          </div>
        )}
        {d.kind === "drift" && (
          <div className="grid">
            {text("feature", "Feature (latency_ms, status_code, route, field:<name>…)", "drift.feature", { required: true })}
            {select("metric", "Score", "drift.metric", enumNames(DriftMetric))}
            {text("threshold", "Fires above", "drift.threshold", { inputMode: "decimal", required: true })}
            {text("resolveThreshold", "Resolves at or below (optional)", "drift.resolve_threshold", { inputMode: "decimal" })}
            {text("windowSeconds", "Current window (seconds)", "drift.window", { inputMode: "numeric" })}
            {text("referenceSeconds", "Reference window before it (seconds, 86400 when empty)", "drift.reference_window", { inputMode: "numeric" })}
            {text("baseline", "Or a saved baseline", "drift.baseline")}
            {text("minSamples", "Minimum calls (100 when empty)", "drift.min_samples", { inputMode: "numeric" })}
          </div>
        )}
        {d.kind !== "perCall" && text("renotifySeconds", "Notify again while firing, every (seconds)", "renotify_interval", { inputMode: "numeric" })}
      </fieldset>
      <fieldset>
        <legend>Webhook (optional)</legend>
        <div className="grid">
          {text("webhookUrl", "URL", "webhooks[0].url", { type: "url", placeholder: "https://hooks.example.com/…" })}
          {select("webhookFormat", "Format", "webhooks[0].format", enumNames(WebhookFormat))}
          {text("webhookSecret", "Signing secret (kept when empty)", "webhooks[0].secret", { type: "password", autoComplete: "off" })}
        </div>
      </fieldset>
      {unplaced && (
        <p role="alert" className="error">
          {problem!.field ? `${problem!.field}: ` : ""}
          {problem!.reason}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {d.id ? "Save rule" : "Create rule"}
        </button>
        <button type="button" className="plain" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Every field path the editor shows an error beside. */
const FIELDS = [
  "name", "service", "route", "customer_id", "plan", "severity", "description", "condition",
  "per_call.clauses", "cooldown", "windowed.aggregate", "windowed.status_class", "windowed.comparison",
  "windowed.threshold", "windowed.resolve_threshold", "windowed.window", "windowed.min_samples", "absence.window",
  "burn_rate.target", "burn_rate.latency_objective_ms", "burn_rate.burn_rate", "burn_rate.min_samples",
  "drift.feature", "drift.metric", "drift.threshold", "drift.resolve_threshold", "drift.window",
  "drift.reference_window", "drift.baseline", "drift.min_samples",
  "renotify_interval", "webhooks[0].url", "webhooks[0].format", "webhooks[0].secret",
];
