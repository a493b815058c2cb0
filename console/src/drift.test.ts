import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { FeatureHistogramSchema } from "@tapline/client";
import { binLabels, parseFeatures, shares, verdict } from "./drift";

describe("drift", () => {
  it("labels numeric bins by their edges and categorical ones by value, then other", () => {
    expect(binLabels(create(FeatureHistogramSchema, { numeric: true, edges: [10, 25.5, 40] }))).toEqual([
      "< 10",
      "[10, 25.5)",
      "[25.5, 40)",
      "≥ 40",
    ]);
    expect(binLabels(create(FeatureHistogramSchema, { numeric: false, categories: ["200", "503"] }))).toEqual(["200", "503", "other"]);
  });

  it("gives shares of the total, and zeros for an empty window", () => {
    expect(shares(create(FeatureHistogramSchema, { counts: [1n, 3n], total: 4n }))).toEqual([0.25, 0.75]);
    expect(shares(create(FeatureHistogramSchema, { counts: [0n, 0n], total: 0n }))).toEqual([0, 0]);
  });

  it("reads a PSI as the usual thresholds do", () => {
    expect([verdict(0.05), verdict(0.1), verdict(0.3), verdict(undefined)]).toEqual(["stable", "moderate", "drifted", ""]);
  });

  it("parses the feature list", () => {
    expect(parseFeatures(" latency_ms, field:score,,latency_ms ")).toEqual(["latency_ms", "field:score"]);
  });
});
