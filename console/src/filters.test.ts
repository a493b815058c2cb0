import { describe, expect, it } from "vitest";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { DEFAULT_VIEW, callFilter, paramsFromView, timeWindow, viewFromParams } from "./filters";
import { SearchOrder, StatusClass } from "@tapline/client";

const NOW = new Date("2026-12-05T12:00:00Z");

describe("the call view in the URL", () => {
  it("leaves defaults out, so the plain explorer has a plain URL", () => {
    expect(paramsFromView(DEFAULT_VIEW).toString()).toBe("");
  });

  it("reads back every field it writes", () => {
    const view = {
      ...DEFAULT_VIEW,
      service: "checkout",
      range: "custom" as const,
      from: "2026-12-01T10:00",
      to: "2026-12-02T10:00",
      method: "POST",
      status: "503",
      classes: ["4xx" as const, "5xx" as const],
      route: "/v1/orders/{id}",
      pathPrefix: "/v1/",
      pathContains: "orders",
      minLatency: "100",
      maxLatency: "2500.5",
      errors: "only" as const,
      customer: "acme",
      plan: "gold",
      tags: ["region=eu", "version=2.3"],
      apiKeyId: "k1",
      sourceIp: "10.0.0.1",
      text: "timeout & retry",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      order: "slowest" as const,
    };
    const params = paramsFromView(view);
    expect(viewFromParams(new URLSearchParams(params.toString()))).toEqual(view);
  });

  it("drops custom bounds from the URL when the range is not custom", () => {
    const params = paramsFromView({ ...DEFAULT_VIEW, range: "24h", from: "2026-12-01T10:00" });
    expect(params.toString()).toBe("range=24h");
  });

  it("ignores what it does not know instead of failing", () => {
    const view = viewFromParams(new URLSearchParams("range=3y&order=random&errors=maybe&class=9xx&class=2xx&tag=novalue&method=get"));
    expect(view.range).toBe(DEFAULT_VIEW.range);
    expect(view.order).toBe("newest");
    expect(view.errors).toBe("");
    expect(view.classes).toEqual(["2xx"]);
    expect(view.tags).toEqual([]);
    expect(view.method).toBe("GET");
  });
});

describe("the SearchCalls filter of a view", () => {
  it("maps every field", () => {
    const filter = callFilter(
      {
        ...DEFAULT_VIEW,
        service: " checkout ",
        range: "15m",
        method: "POST",
        status: "503",
        classes: ["2xx", "5xx"],
        minLatency: "10",
        maxLatency: "",
        errors: "none",
        tags: ["region = eu", "build=a=b"],
        customer: "acme",
        text: " spaces kept ",
      },
      NOW,
    );
    expect(filter.service).toBe("checkout");
    expect(timestampDate(filter.startTime!)).toEqual(new Date("2026-12-05T11:45:00Z"));
    expect(timestampDate(filter.endTime!)).toEqual(NOW);
    expect(filter.statusCode).toBe(503);
    expect(filter.statusClasses).toEqual([StatusClass.STATUS_CLASS_2XX, StatusClass.STATUS_CLASS_5XX]);
    expect(filter.minLatencyMs).toBe(10);
    expect(filter.maxLatencyMs).toBeUndefined();
    expect(filter.hasError).toBe(false);
    expect(filter.tags).toEqual({ region: "eu", build: "a=b" });
    expect(filter.customerId).toBe("acme");
    expect(filter.text).toBe(" spaces kept ");
  });

  it("leaves out numbers that do not parse", () => {
    const filter = callFilter({ ...DEFAULT_VIEW, status: "abc", minLatency: "fast" }, NOW);
    expect(filter.statusCode).toBe(0);
    expect(filter.minLatencyMs).toBeUndefined();
    expect(filter.hasError).toBeUndefined();
  });

  it("uses custom bounds, and the default range when they do not parse", () => {
    const custom = timeWindow({ range: "custom", from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z" }, NOW);
    expect(custom.start).toEqual(new Date("2026-12-01T00:00:00Z"));
    expect(custom.end).toEqual(new Date("2026-12-02T00:00:00Z"));
    const open = timeWindow({ range: "custom", from: "2026-12-05T10:00:00Z", to: "" }, NOW);
    expect(open.end).toEqual(NOW);
    const broken = timeWindow({ range: "custom", from: "yesterday", to: "" }, NOW);
    expect(broken.end.getTime() - broken.start.getTime()).toBe(3600_000);
  });

  it("has an order for every order name", () => {
    expect(viewFromParams(new URLSearchParams("order=oldest")).order).toBe("oldest");
    expect(SearchOrder.OLDEST_FIRST).toBe(2);
  });
});
