import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { admin, messageOf } from "../api";
import { useAccess } from "../access";
import { type Draft, EntityForm, type Field, list } from "../components/EntityForm";
import { time } from "../format";
import type { ApiKey, Customer, Plan, Service } from "@tapline/client";

const TABS = { services: "Services", keys: "API keys", plans: "Plans", customers: "Customers" } as const;
type Tab = keyof typeof TABS;

/** Services, API keys, plans and customers, for admin keys. */
export function Admin() {
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (params.get("tab") as Tab) in TABS ? (params.get("tab") as Tab) : "services";
  if (!access.admin) return <p>Only admin keys manage services, keys, plans and customers.</p>;
  return (
    <>
      <h1>Admin</h1>
      <div role="tablist" aria-label="What to manage" className="tabs">
        {(Object.keys(TABS) as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? "" : "plain"} onClick={() => setParams({ tab: t })}>
            {TABS[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS[tab]}>
        {tab === "services" && <Services />}
        {tab === "keys" && <Keys />}
        {tab === "plans" && <Plans />}
        {tab === "customers" && <Customers />}
      </div>
    </>
  );
}

/** Loads a list, and loads it again after a change. */
function useList<T>(load: () => Promise<T[]>): [T[], () => void, string, (e: unknown) => void] {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState("");
  const reload = () => {
    load()
      .then((x) => {
        setItems(x);
        setError("");
      })
      .catch((e) => setError(messageOf(e)));
  };
  useEffect(reload, []);
  return [items, reload, error, (e) => setError(messageOf(e))];
}

const SERVICE_FIELDS: Field[] = [
  { name: "name", label: "Name", fixed: true, placeholder: "checkout" },
  { name: "description", label: "Description" },
  { name: "base_url", label: "Base URL (replay target)", placeholder: "https://api.example.com" },
  { name: "retention_days", label: "Retention (days, 0: server default)", kind: "number" },
  { name: "replay_allow_list", label: "Replay allow-list (URL prefixes or exact IPs)", kind: "list" },
  { name: "sensitive_headers", label: "Sensitive headers (masked besides the defaults)", kind: "list" },
  { name: "otlp.customer_attribute", label: "OTLP: customer attribute" },
  { name: "otlp.plan_attribute", label: "OTLP: plan attribute" },
  { name: "otlp.client_spans", label: "OTLP: record CLIENT spans too", kind: "check" },
];

function serviceDraft(s?: Service): Draft {
  return {
    name: s?.name ?? "",
    description: s?.description ?? "",
    base_url: s?.baseUrl ?? "",
    retention_days: String(s?.retentionDays ?? 0),
    replay_allow_list: (s?.replayAllowList ?? []).join("\n"),
    sensitive_headers: (s?.sensitiveHeaders ?? []).join("\n"),
    "otlp.customer_attribute": s?.otlp?.customerAttribute ?? "",
    "otlp.plan_attribute": s?.otlp?.planAttribute ?? "",
    "otlp.client_spans": s?.otlp?.clientSpans ?? false,
  };
}

function Services() {
  const [services, reload, error, fail] = useList(() => admin.listServices({}).then((r) => r.services));
  const [editing, setEditing] = useState<Service | null | "new">(null);
  const save = (d: Draft) => {
    const service = {
      name: String(d.name).trim(),
      description: String(d.description),
      baseUrl: String(d.base_url).trim(),
      retentionDays: Number(d.retention_days) || 0,
      replayAllowList: list(d.replay_allow_list),
      sensitiveHeaders: list(d.sensitive_headers),
      otlp: {
        customerAttribute: String(d["otlp.customer_attribute"]).trim(),
        planAttribute: String(d["otlp.plan_attribute"]).trim(),
        clientSpans: d["otlp.client_spans"] === true,
      },
    };
    return editing === "new" ? admin.createService({ service }) : admin.updateService({ service });
  };
  const remove = async (s: Service) => {
    if (!confirm(`Delete the service "${s.name}"? Its recorded calls stay until their retention ends.`)) return;
    await admin.deleteService({ name: s.name }).catch(fail);
    reload();
  };
  return (
    <section>
      {error && <p role="alert" className="error">{error}</p>}
      {editing === null && (
        <button type="button" onClick={() => setEditing("new")}>
          New service
        </button>
      )}
      {editing !== null && (
        <EntityForm
          title={editing === "new" ? "New service" : `Edit service ${editing.name}`}
          fields={SERVICE_FIELDS}
          initial={serviceDraft(editing === "new" ? undefined : editing)}
          editing={editing !== "new"}
          prefix="service."
          onSave={save}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <table>
        <caption>Services</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Base URL</th>
            <th scope="col" className="num">Retention</th>
            <th scope="col">Replay allow-list</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.name}>
              <td>{s.name}</td>
              <td>{s.description}</td>
              <td>{s.baseUrl}</td>
              <td className="num">{s.retentionDays ? `${s.retentionDays} d` : "default"}</td>
              <td>{s.replayAllowList.join(", ")}</td>
              <td>
                <button type="button" className="plain small" onClick={() => setEditing(s)}>
                  Edit
                </button>
                <button type="button" className="plain small" onClick={() => remove(s)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const SCOPES = ["ingest", "read", "replay", "admin"];

function Keys() {
  const [keys, reload, error, fail] = useList(() => admin.listApiKeys({}).then((r) => r.apiKeys));
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey } | null>(null);
  const [copied, setCopied] = useState(false);
  const fields: Field[] = [
    { name: "name", label: "Name", placeholder: "checkout ingest" },
    ...SCOPES.map((s) => ({ name: `scope.${s}`, label: `Scope: ${s}`, kind: "check" as const })),
    { name: "service", label: "Service (required for ingest)" },
    { name: "customer_id", label: "Customer stamped on its calls" },
    { name: "plan", label: "Plan stamped on its calls" },
    { name: "expire_time", label: "Expires (optional)", kind: "datetime" },
  ];
  const save = async (d: Draft) => {
    const response = await admin.createApiKey({
      name: String(d.name).trim(),
      scopes: SCOPES.filter((s) => d[`scope.${s}`] === true),
      service: String(d.service ?? "").trim(),
      customerId: String(d.customer_id ?? "").trim(),
      plan: String(d.plan ?? "").trim(),
      expireTime: d.expire_time ? timestampFromDate(new Date(String(d.expire_time))) : undefined,
    });
    setCreated({ key: response.key, apiKey: response.apiKey! });
    setCopied(false);
  };
  const revoke = async (k: ApiKey) => {
    if (!confirm(`Revoke the key "${k.name || k.keyId}"? It stops working at once.`)) return;
    await admin.revokeApiKey({ keyId: k.keyId }).catch(fail);
    reload();
  };
  const copy = async () => {
    await navigator.clipboard.writeText(created!.key);
    setCopied(true);
  };
  return (
    <section>
      {error && <p role="alert" className="error">{error}</p>}
      {created && (
        <div className="created" role="status" aria-label="New key">
          <p>
            <strong>Key {created.apiKey.name || created.apiKey.keyId} created.</strong> Copy it now: it is shown only this once.
          </p>
          <p className="actions">
            <code className="secret">{created.key}</code>
            <button type="button" onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="plain" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}
      {!creating && (
        <button type="button" onClick={() => setCreating(true)}>
          New key
        </button>
      )}
      {creating && (
        <EntityForm
          title="New API key"
          fields={fields}
          initial={{ name: "", "scope.read": true }}
          editing={false}
          prefix=""
          onSave={save}
          onDone={() => {
            setCreating(false);
            reload();
          }}
        />
      )}
      <table>
        <caption>API keys</caption>
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">Name</th>
            <th scope="col">Scopes</th>
            <th scope="col">Service</th>
            <th scope="col">Customer / plan</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.keyId}>
              <td className="mono">{k.keyId}</td>
              <td>{k.name}</td>
              <td>{k.scopes.join(", ")}</td>
              <td>{k.service || "all"}</td>
              <td>{[k.customerId, k.plan].filter((x) => x).join(" / ")}</td>
              <td>{time(k.createTime)}</td>
              <td>{k.expireTime ? time(k.expireTime) : "never"}</td>
              <td>
                {k.revoked ? (
                  "revoked"
                ) : (
                  <button type="button" className="plain small" onClick={() => revoke(k)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Plans() {
  const [plans, reload, error, fail] = useList(() => admin.listPlans({}).then((r) => r.plans));
  const [editing, setEditing] = useState<Plan | null | "new">(null);
  const fields: Field[] = [
    { name: "id", label: "Id", fixed: true, placeholder: "pro" },
    { name: "name", label: "Name" },
    { name: "description", label: "Description" },
    { name: "rate_limit_per_second", label: "Rate limit (calls ingested per second, 0: none)", kind: "number" },
  ];
  const save = (d: Draft) => {
    const plan = { id: String(d.id).trim(), name: String(d.name), description: String(d.description), rateLimitPerSecond: Number(d.rate_limit_per_second) || 0 };
    return editing === "new" ? admin.createPlan({ plan }) : admin.updatePlan({ plan });
  };
  const remove = async (p: Plan) => {
    if (!confirm(`Delete the plan "${p.id}"?`)) return;
    await admin.deletePlan({ id: p.id }).catch(fail);
    reload();
  };
  return (
    <section>
      {error && <p role="alert" className="error">{error}</p>}
      {editing === null && (
        <button type="button" onClick={() => setEditing("new")}>
          New plan
        </button>
      )}
      {editing !== null && (
        <EntityForm
          title={editing === "new" ? "New plan" : `Edit plan ${editing.id}`}
          fields={fields}
          initial={
            editing === "new"
              ? { id: "", name: "", description: "", rate_limit_per_second: "0" }
              : { id: editing.id, name: editing.name, description: editing.description, rate_limit_per_second: String(editing.rateLimitPerSecond) }
          }
          editing={editing !== "new"}
          prefix="plan."
          onSave={save}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <table>
        <caption>Plans</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col" className="num">Rate limit</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {plans.map((p) => (
            <tr key={p.id}>
              <td>{p.id}</td>
              <td>{p.name}</td>
              <td>{p.description}</td>
              <td className="num">{p.rateLimitPerSecond ? `${p.rateLimitPerSecond}/s` : "none"}</td>
              <td>
                <button type="button" className="plain small" onClick={() => setEditing(p)}>
                  Edit
                </button>
                <button type="button" className="plain small" onClick={() => remove(p)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Customers() {
  const [customers, reload, error, fail] = useList(() => admin.listCustomers({}).then((r) => r.customers));
  const [plans, setPlans] = useState<string[]>([""]);
  const [editing, setEditing] = useState<Customer | null | "new">(null);
  useEffect(() => {
    admin.listPlans({}).then((r) => setPlans(["", ...r.plans.map((p) => p.id)])).catch(fail);
  }, []);
  const fields: Field[] = [
    { name: "id", label: "Id", fixed: true, placeholder: "acme" },
    { name: "name", label: "Name" },
    { name: "plan", label: "Plan", kind: "select", options: plans },
  ];
  const save = (d: Draft) => {
    const customer = { id: String(d.id).trim(), name: String(d.name), plan: String(d.plan ?? "") };
    return editing === "new" ? admin.createCustomer({ customer }) : admin.updateCustomer({ customer });
  };
  const remove = async (c: Customer) => {
    if (!confirm(`Delete the customer "${c.id}"?`)) return;
    await admin.deleteCustomer({ id: c.id }).catch(fail);
    reload();
  };
  return (
    <section>
      {error && <p role="alert" className="error">{error}</p>}
      {editing === null && (
        <button type="button" onClick={() => setEditing("new")}>
          New customer
        </button>
      )}
      {editing !== null && (
        <EntityForm
          title={editing === "new" ? "New customer" : `Edit customer ${editing.id}`}
          fields={fields}
          initial={editing === "new" ? { id: "", name: "", plan: "" } : { id: editing.id, name: editing.name, plan: editing.plan }}
          editing={editing !== "new"}
          prefix="customer."
          onSave={save}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <table>
        <caption>Customers</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Plan</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {customers.map((c) => (
            <tr key={c.id}>
              <td>{c.id}</td>
              <td>{c.name}</td>
              <td>{c.plan}</td>
              <td>
                <button type="button" className="plain small" onClick={() => setEditing(c)}>
                  Edit
                </button>
                <button type="button" className="plain small" onClick={() => remove(c)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
