// What the drift page computes from DriftService's answers: bin labels, shares, verdicts.
import type { FeatureHistogram } from "@tapline/client";

/** Current windows the page offers, and how far back the reference reaches before them. */
export const WINDOWS = { "1h": 3600, "6h": 6 * 3600, "24h": 86400 } as const;
export const REFERENCES = { "24h": 86400, "7d": 7 * 86400 } as const;
export type Window = keyof typeof WINDOWS;
export type Reference = keyof typeof REFERENCES;

export const DEFAULT_FEATURES = ["latency_ms", "status_code", "route"];

/** The usual reading of a PSI: under 0.1 stable, under 0.25 moderate, above it drifted. */
export function verdict(psi: number | undefined): "stable" | "moderate" | "drifted" | "" {
  if (psi === undefined) return "";
  return psi < 0.1 ? "stable" : psi < 0.25 ? "moderate" : "drifted";
}

/** One label per bin: "< a", "[a, b)", "≥ z" for numbers; the category, then "other". */
export function binLabels(h: FeatureHistogram): string[] {
  if (!h.numeric) return [...h.categories, "other"];
  const e = h.edges.map(short);
  if (e.length === 0) return ["all"];
  return [`< ${e[0]}`, ...e.slice(1).map((b, i) => `[${e[i]}, ${b})`), `≥ ${e[e.length - 1]}`];
}

/** Each bin's share of the histogram's calls, 0 to 1 (0 for an empty histogram). */
export function shares(h: FeatureHistogram): number[] {
  const total = Number(h.total);
  return h.counts.map((c) => (total === 0 ? 0 : Number(c) / total));
}

/** The features typed as a comma-separated list, trimmed, without empties or repeats. */
export function parseFeatures(text: string): string[] {
  return [...new Set(text.split(",").map((f) => f.trim()).filter((f) => f !== ""))];
}

function short(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, "");
}
