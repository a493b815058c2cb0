import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { admin, messageOf } from "../api";
import { useAccess } from "../access";
import { type Draft, EntityForm, type Field, list } from "../components/EntityForm";
import { type Column, Table, editDeleteColumn } from "../components/Table";
import { time } from "../format";
import { fieldRuleLine, parseFieldRule } from "../fieldRules";
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

/**
 * One kind of admin entity: its table, a form to create one, and per row a form to edit it and a
 * button to delete it. The server checks every field; its message appears beside the field.
 */
function Entities<T>({ noun, plural, load, keyOf, fields, draftOf, save, remove, columns, prefix, confirmDelete }: {
  noun: string;
  plural: string;
  load: () => Promise<T[]>;
  keyOf: (item: T) => string;
  fields: Field[];
  draftOf: (item?: T) => Draft;
  save: (draft: Draft, created: boolean) => Promise<unknown>;
  remove: (item: T) => Promise<unknown>;
  columns: Column<T>[];
  /** What the server puts before field names in its messages, e.g. "service.". */
  prefix: string;
  confirmDelete: (item: T) => string;
}) {
  const [items, reload, error, fail] = useList(load);
  const [editing, setEditing] = useState<T | null | "new">(null);
  const drop = async (item: T) => {
    if (!confirm(confirmDelete(item))) return;
    await remove(item).catch(fail);
    reload();
  };
  return (
    <section>
      {error && <p role="alert" className="error">{error}</p>}
      {editing === null && (
        <button type="button" onClick={() => setEditing("new")}>
          New {noun}
        </button>
      )}
      {editing !== null && (
        <EntityForm
          title={editing === "new" ? `New ${noun}` : `Edit ${noun} ${keyOf(editing)}`}
          fields={fields}
          initial={draftOf(editing === "new" ? undefined : editing)}
          editing={editing !== "new"}
          prefix={prefix}
          onSave={(d) => save(d, editing === "new")}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <Table
        caption={plural}
        empty="None yet."
        rows={items}
        rowKey={keyOf}
        columns={[...columns, editDeleteColumn<T>(setEditing, drop)]}
      />
    </section>
  );
}

function Services() {
  return (
    <Entities<Service>
      noun="service"
      plural="Services"
      prefix="service."
      load={() => admin.listServices({}).then((r) => r.services)}
      keyOf={(s) => s.name}
      fields={[
        { name: "name", label: "Name", fixed: true, placeholder: "checkout" },
        { name: "description", label: "Description" },
        { name: "base_url", label: "Base URL (replay target)", placeholder: "https://api.example.com" },
        { name: "retention_days", label: "Retention (days, 0: server default)", kind: "number" },
        { name: "replay_allow_list", label: "Replay allow-list (URL prefixes or exact IPs)", kind: "list" },
        { name: "sensitive_headers", label: "Sensitive headers (masked besides the defaults)", kind: "list" },
        { name: "otlp.customer_attribute", label: "OTLP: customer attribute" },
        { name: "otlp.plan_attribute", label: "OTLP: plan attribute" },
        { name: "otlp.client_spans", label: "OTLP: record CLIENT spans too", kind: "check" },
        {
          name: "fields",
          label: "Extracted fields, one per line: field string|number request_body|response_body|request_header|response_header path",
          kind: "list",
          placeholder: "prediction.label string response_body $.prediction.label",
        },
      ]}
      draftOf={(s) => ({
        name: s?.name ?? "",
        description: s?.description ?? "",
        base_url: s?.baseUrl ?? "",
        retention_days: String(s?.retentionDays ?? 0),
        replay_allow_list: (s?.replayAllowList ?? []).join("\n"),
        sensitive_headers: (s?.sensitiveHeaders ?? []).join("\n"),
        "otlp.customer_attribute": s?.otlp?.customerAttribute ?? "",
        "otlp.plan_attribute": s?.otlp?.planAttribute ?? "",
        "otlp.client_spans": s?.otlp?.clientSpans ?? false,
        fields: (s?.fields ?? []).map(fieldRuleLine).join("\n"),
      })}
      save={(d, created) => {
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
          fields: list(d.fields).map(parseFieldRule),
        };
        return created ? admin.createService({ service }) : admin.updateService({ service });
      }}
      remove={(s) => admin.deleteService({ name: s.name })}
      confirmDelete={(s) => `Delete the service "${s.name}"? Its recorded calls stay until their retention ends.`}
      columns={[
        { title: "Name", cell: (s) => s.name },
        { title: "Description", cell: (s) => s.description },
        { title: "Fields", cell: (s) => s.fields.map((f) => f.name).join(", ") },
        { title: "Base URL", cell: (s) => s.baseUrl },
        { title: "Retention", numeric: true, cell: (s) => (s.retentionDays ? `${s.retentionDays} d` : "default") },
        { title: "Replay allow-list", cell: (s) => s.replayAllowList.join(", ") },
      ]}
    />
  );
}

function Plans() {
  return (
    <Entities<Plan>
      noun="plan"
      plural="Plans"
      prefix="plan."
      load={() => admin.listPlans({}).then((r) => r.plans)}
      keyOf={(p) => p.id}
      fields={[
        { name: "id", label: "Id", fixed: true, placeholder: "pro" },
        { name: "name", label: "Name" },
        { name: "description", label: "Description" },
        { name: "rate_limit_per_second", label: "Rate limit (calls ingested per second, 0: none)", kind: "number" },
      ]}
      draftOf={(p) => ({ id: p?.id ?? "", name: p?.name ?? "", description: p?.description ?? "", rate_limit_per_second: String(p?.rateLimitPerSecond ?? 0) })}
      save={(d, created) => {
        const plan = { id: String(d.id).trim(), name: String(d.name), description: String(d.description), rateLimitPerSecond: Number(d.rate_limit_per_second) || 0 };
        return created ? admin.createPlan({ plan }) : admin.updatePlan({ plan });
      }}
      remove={(p) => admin.deletePlan({ id: p.id })}
      confirmDelete={(p) => `Delete the plan "${p.id}"?`}
      columns={[
        { title: "Id", cell: (p) => p.id },
        { title: "Name", cell: (p) => p.name },
        { title: "Description", cell: (p) => p.description },
        { title: "Rate limit", numeric: true, cell: (p) => (p.rateLimitPerSecond ? `${p.rateLimitPerSecond}/s` : "none") },
      ]}
    />
  );
}

function Customers() {
  const [plans, setPlans] = useState<string[]>([""]);
  useEffect(() => {
    admin.listPlans({}).then((r) => setPlans(["", ...r.plans.map((p) => p.id)]), () => {});
  }, []);
  return (
    <Entities<Customer>
      noun="customer"
      plural="Customers"
      prefix="customer."
      load={() => admin.listCustomers({}).then((r) => r.customers)}
      keyOf={(c) => c.id}
      fields={[
        { name: "id", label: "Id", fixed: true, placeholder: "acme" },
        { name: "name", label: "Name" },
        { name: "plan", label: "Plan", kind: "select", options: plans },
      ]}
      draftOf={(c) => ({ id: c?.id ?? "", name: c?.name ?? "", plan: c?.plan ?? "" })}
      save={(d, created) => {
        const customer = { id: String(d.id).trim(), name: String(d.name), plan: String(d.plan ?? "") };
        return created ? admin.createCustomer({ customer }) : admin.updateCustomer({ customer });
      }}
      remove={(c) => admin.deleteCustomer({ id: c.id })}
      confirmDelete={(c) => `Delete the customer "${c.id}"?`}
      columns={[
        { title: "Id", cell: (c) => c.id },
        { title: "Name", cell: (c) => c.name },
        { title: "Plan", cell: (c) => c.plan },
      ]}
    />
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
      <Table
        caption="API keys"
        empty="None yet."
        rows={keys}
        rowKey={(k) => k.keyId}
        columns={[
          { title: "Key id", cell: (k) => <span className="mono">{k.keyId}</span> },
          { title: "Name", cell: (k) => k.name },
          { title: "Scopes", cell: (k) => k.scopes.join(", ") },
          { title: "Service", cell: (k) => k.service || "all" },
          { title: "Customer / plan", cell: (k) => [k.customerId, k.plan].filter((x) => x).join(" / ") },
          { title: "Created", cell: (k) => time(k.createTime) },
          { title: "Expires", cell: (k) => (k.expireTime ? time(k.expireTime) : "never") },
          {
            title: "State",
            cell: (k) =>
              k.revoked ? (
                "revoked"
              ) : (
                <button type="button" className="plain small" onClick={() => revoke(k)}>
                  Revoke
                </button>
              ),
          },
        ]}
      />
    </section>
  );
}
