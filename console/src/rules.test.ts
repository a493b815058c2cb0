import { describe, expect, it } from "vitest";
import { NEW_RULE, draftFromRule, fieldError, ruleFromDraft } from "./rules";
import { Aggregate, Comparison, Severity, WebhookFormat } from "@tapline/client";

describe("rule drafts", () => {
  it("make per-call rules, with 'in' values split", () => {
    const rule = ruleFromDraft({
      ...NEW_RULE,
      name: " 5xx ",
      service: "checkout",
      severity: "CRITICAL",
      clauses: [
        { field: "status_code", op: ">=", value: "500" },
        { field: "method", op: "in", value: "POST, PUT" },
      ],
      cooldownSeconds: "120",
      webhookUrl: "https://hooks.example.com/x",
      webhookFormat: "SLACK",
    });
    expect(rule.name).toBe("5xx");
    expect(rule.severity).toBe(Severity.CRITICAL);
    expect(rule.condition.case).toBe("perCall");
    const clauses = rule.condition.case === "perCall" ? rule.condition.value.clauses : [];
    expect(clauses.map((c) => [c.field, c.op, c.value, c.values])).toEqual([
      ["status_code", ">=", "500", []],
      ["method", "in", "", ["POST", "PUT"]],
    ]);
    expect(rule.cooldown?.seconds).toBe(120n);
    expect(rule.renotifyInterval).toBeUndefined();
    expect(rule.webhooks.map((w) => [w.url, w.format])).toEqual([["https://hooks.example.com/x", WebhookFormat.SLACK]]);
  });

  it("round-trip windowed, absence, burn-rate and drift rules", () => {
    for (const draft of [
      { ...NEW_RULE, id: "r1", name: "slow", service: "s", kind: "windowed" as const, aggregate: "LATENCY_P95" as const, comparison: "ABOVE" as const, threshold: "800", resolveThreshold: "600", windowSeconds: "300", minSamples: "20", renotifySeconds: "3600" },
      { ...NEW_RULE, id: "r2", name: "quiet", service: "s", kind: "absence" as const, windowSeconds: "900" },
      { ...NEW_RULE, id: "r3", name: "budget", service: "s", kind: "burnRate" as const, target: "0.999", latencyObjectiveMs: "300", burnRate: "6", minSamples: "100" },
      { ...NEW_RULE, id: "r4", name: "drift", service: "s", kind: "drift" as const, feature: "field:prediction.score", metric: "KS" as const, threshold: "0.2", resolveThreshold: "0.1", windowSeconds: "3600", referenceSeconds: "604800", minSamples: "500" },
      { ...NEW_RULE, id: "r5", name: "drift", service: "s", kind: "drift" as const, feature: "route", metric: "PSI" as const, threshold: "0.25", windowSeconds: "3600", baseline: "launch" },
    ]) {
      const back = draftFromRule(ruleFromDraft(draft));
      for (const [k, v] of Object.entries(draft)) {
        if (k === "clauses") continue;
        expect([k, back[k as keyof typeof back]]).toEqual([k, v]);
      }
    }
  });

  it("set the status class only for status class counts", () => {
    const rule = ruleFromDraft({ ...NEW_RULE, kind: "windowed", aggregate: "ERROR_RATE", statusClass: "5", comparison: "BELOW" });
    expect(rule.condition.case === "windowed" && rule.condition.value).toMatchObject({ aggregate: Aggregate.ERROR_RATE, statusClass: 0, comparison: Comparison.BELOW });
  });
});

describe("server messages", () => {
  it("name the field they are about", () => {
    expect(fieldError("rule.windowed.threshold: must be positive")).toEqual({ field: "windowed.threshold", reason: "must be positive" });
    expect(fieldError("rule.per_call.clauses[1].field: unknown field 'x'")).toEqual({ field: "per_call.clauses[1].field", reason: "unknown field 'x'" });
    expect(fieldError("the store is unavailable")).toEqual({ field: "", reason: "the store is unavailable" });
  });
});

describe("server messages about other messages", () => {
  it("drop the prefix they are given", () => {
    expect(fieldError("service.base_url: must be an http or https URL", "service.")).toEqual({ field: "base_url", reason: "must be an http or https URL" });
    expect(fieldError("scopes: at least one scope is required", "")).toEqual({ field: "scopes", reason: "at least one scope is required" });
  });
});
