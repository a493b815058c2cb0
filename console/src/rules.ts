// An alert rule as the console edits it (text fields, one per input) and back.
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  AbsenceConditionSchema,
  Aggregate,
  type AlertRule,
  AlertRuleSchema,
  BurnRateConditionSchema,
  DriftConditionSchema,
  DriftMetric,
  PerCallConditionSchema,
  WindowedConditionSchema,
  Comparison,
  Severity,
  WebhookFormat,
} from "@tapline/client";

export type RuleKind = "perCall" | "windowed" | "absence" | "burnRate" | "drift";

export interface ClauseDraft {
  field: string;
  op: string;
  value: string;
}

export interface RuleDraft {
  id: string;
  name: string;
  service: string;
  route: string;
  customerId: string;
  plan: string;
  severity: keyof typeof Severity;
  description: string;
  enabled: boolean;
  kind: RuleKind;
  clauses: ClauseDraft[];
  cooldownSeconds: string;
  aggregate: keyof typeof Aggregate;
  statusClass: string;
  comparison: keyof typeof Comparison;
  threshold: string;
  resolveThreshold: string;
  windowSeconds: string;
  minSamples: string;
  target: string;
  latencyObjectiveMs: string;
  burnRate: string;
  feature: string;
  metric: keyof typeof DriftMetric;
  referenceSeconds: string;
  baseline: string;
  renotifySeconds: string;
  webhookUrl: string;
  webhookFormat: keyof typeof WebhookFormat;
  webhookSecret: string;
}

export const NEW_RULE: RuleDraft = {
  id: "",
  name: "",
  service: "",
  route: "",
  customerId: "",
  plan: "",
  severity: "WARNING",
  description: "",
  enabled: true,
  kind: "perCall",
  clauses: [{ field: "status_code", op: ">=", value: "500" }],
  cooldownSeconds: "",
  aggregate: "ERROR_RATE",
  statusClass: "",
  comparison: "ABOVE",
  threshold: "",
  resolveThreshold: "",
  windowSeconds: "300",
  minSamples: "",
  target: "0.999",
  latencyObjectiveMs: "",
  burnRate: "",
  feature: "latency_ms",
  metric: "PSI",
  referenceSeconds: "",
  baseline: "",
  renotifySeconds: "",
  webhookUrl: "",
  webhookFormat: "JSON",
  webhookSecret: "",
};

const KINDS: Record<RuleKind, string> = {
  perCall: "per_call",
  windowed: "windowed",
  absence: "absence",
  burnRate: "burn_rate",
  drift: "drift",
};

export const KIND_LABELS: Record<RuleKind, string> = {
  perCall: "Per call",
  windowed: "Windowed",
  absence: "Absence",
  burnRate: "Burn rate",
  drift: "Drift",
};

function seconds(text: string): Duration | undefined {
  const n = Number(text);
  return text.trim() === "" || !Number.isFinite(n) ? undefined : create(DurationSchema, { seconds: BigInt(Math.trunc(n)) });
}

function number(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

function secondsText(d: Duration | undefined): string {
  return d ? String(Number(d.seconds)) : "";
}

export function ruleFromDraft(d: RuleDraft): AlertRule {
  const rule = create(AlertRuleSchema, {
    id: d.id,
    name: d.name.trim(),
    service: d.service.trim(),
    route: d.route.trim(),
    customerId: d.customerId.trim(),
    plan: d.plan.trim(),
    severity: Severity[d.severity],
    description: d.description,
    enabled: d.enabled,
    renotifyInterval: d.kind === "perCall" ? undefined : seconds(d.renotifySeconds),
    cooldown: d.kind === "perCall" ? seconds(d.cooldownSeconds) : undefined,
    webhooks: d.webhookUrl.trim()
      ? [{ url: d.webhookUrl.trim(), format: WebhookFormat[d.webhookFormat], secret: d.webhookSecret }]
      : [],
  });
  switch (d.kind) {
    case "perCall":
      rule.condition = {
        case: "perCall",
        value: create(PerCallConditionSchema, {
          clauses: d.clauses.map((c) =>
            c.op === "in"
              ? { field: c.field.trim(), op: c.op, values: c.value.split(",").map((v) => v.trim()) }
              : { field: c.field.trim(), op: c.op, value: c.value },
          ),
        }),
      };
      break;
    case "windowed":
      rule.condition = {
        case: "windowed",
        value: create(WindowedConditionSchema, {
          aggregate: Aggregate[d.aggregate],
          statusClass: d.aggregate === "STATUS_CLASS_COUNT" ? Math.trunc(number(d.statusClass) || 0) : 0,
          comparison: Comparison[d.comparison],
          threshold: number(d.threshold),
          resolveThreshold: d.resolveThreshold.trim() === "" ? undefined : number(d.resolveThreshold),
          window: seconds(d.windowSeconds),
          minSamples: BigInt(Math.trunc(number(d.minSamples) || 0)),
        }),
      };
      break;
    case "absence":
      rule.condition = { case: "absence", value: create(AbsenceConditionSchema, { window: seconds(d.windowSeconds) }) };
      break;
    case "burnRate":
      rule.condition = {
        case: "burnRate",
        value: create(BurnRateConditionSchema, {
          target: number(d.target),
          latencyObjectiveMs: d.latencyObjectiveMs.trim() === "" ? 0 : number(d.latencyObjectiveMs),
          burnRate: d.burnRate.trim() === "" ? 0 : number(d.burnRate),
          minSamples: BigInt(Math.trunc(number(d.minSamples) || 0)),
        }),
      };
      break;
    case "drift":
      rule.condition = {
        case: "drift",
        value: create(DriftConditionSchema, {
          feature: d.feature.trim(),
          metric: DriftMetric[d.metric],
          threshold: number(d.threshold),
          resolveThreshold: d.resolveThreshold.trim() === "" ? undefined : number(d.resolveThreshold),
          window: seconds(d.windowSeconds),
          referenceWindow: d.baseline.trim() === "" ? seconds(d.referenceSeconds) : undefined,
          baseline: d.baseline.trim(),
          minSamples: BigInt(Math.trunc(number(d.minSamples) || 0)),
        }),
      };
      break;
  }
  return rule;
}

export function draftFromRule(rule: AlertRule): RuleDraft {
  const d: RuleDraft = {
    ...NEW_RULE,
    id: rule.id,
    name: rule.name,
    service: rule.service,
    route: rule.route,
    customerId: rule.customerId,
    plan: rule.plan,
    severity: (Severity[rule.severity] as keyof typeof Severity) ?? "WARNING",
    description: rule.description,
    enabled: rule.enabled,
    cooldownSeconds: secondsText(rule.cooldown),
    renotifySeconds: secondsText(rule.renotifyInterval),
    webhookUrl: rule.webhooks[0]?.url ?? "",
    webhookFormat: (WebhookFormat[rule.webhooks[0]?.format ?? WebhookFormat.JSON] as keyof typeof WebhookFormat) ?? "JSON",
    clauses: [],
  };
  const c = rule.condition;
  switch (c.case) {
    case "perCall":
      d.kind = "perCall";
      d.clauses = c.value.clauses.map((x) => ({ field: x.field, op: x.op, value: x.op === "in" ? x.values.join(", ") : x.value }));
      break;
    case "windowed":
      d.kind = "windowed";
      d.aggregate = Aggregate[c.value.aggregate] as keyof typeof Aggregate;
      d.statusClass = c.value.statusClass ? String(c.value.statusClass) : "";
      d.comparison = Comparison[c.value.comparison] as keyof typeof Comparison;
      d.threshold = String(c.value.threshold);
      d.resolveThreshold = c.value.resolveThreshold === undefined ? "" : String(c.value.resolveThreshold);
      d.windowSeconds = secondsText(c.value.window);
      d.minSamples = c.value.minSamples ? String(c.value.minSamples) : "";
      break;
    case "absence":
      d.kind = "absence";
      d.windowSeconds = secondsText(c.value.window);
      break;
    case "burnRate":
      d.kind = "burnRate";
      d.target = String(c.value.target);
      d.latencyObjectiveMs = c.value.latencyObjectiveMs ? String(c.value.latencyObjectiveMs) : "";
      d.burnRate = c.value.burnRate ? String(c.value.burnRate) : "";
      d.minSamples = c.value.minSamples ? String(c.value.minSamples) : "";
      break;
    case "drift":
      d.kind = "drift";
      d.feature = c.value.feature;
      d.metric = DriftMetric[c.value.metric] as keyof typeof DriftMetric;
      d.threshold = String(c.value.threshold);
      d.resolveThreshold = c.value.resolveThreshold === undefined ? "" : String(c.value.resolveThreshold);
      d.windowSeconds = secondsText(c.value.window);
      d.referenceSeconds = secondsText(c.value.referenceWindow);
      d.baseline = c.value.baseline;
      d.minSamples = c.value.minSamples ? String(c.value.minSamples) : "";
      break;
  }
  if (d.clauses.length === 0) d.clauses = NEW_RULE.clauses;
  return d;
}

/** The kind of a rule as a label. */
export function kindOf(rule: AlertRule): string {
  const c = rule.condition.case;
  return c ? KIND_LABELS[c] : "–";
}

/**
 * Splits a server validation message ("rule.windowed.threshold: must be ...") into the field it
 * names, relative to {@code prefix}, and the reason; the field is "" when the message names none.
 */
export function fieldError(message: string, prefix = "rule."): { field: string; reason: string } {
  const match = /^([a-z_][a-z0-9_.[\]]*): (.*)$/s.exec(message);
  if (!match) return { field: "", reason: message };
  const field = match[1].startsWith(prefix) ? match[1].slice(prefix.length) : match[1];
  return { field, reason: match[2] };
}

/** The proto field path of a condition kind, as the server names it in errors. */
export function conditionField(kind: RuleKind): string {
  return KINDS[kind];
}
