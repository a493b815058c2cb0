import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { BreakdownGroupSchema } from "@tapline/client";
import { periodWindow, pivot } from "./usage";

const group = (values: string[], count: number, other = false) =>
  create(BreakdownGroupSchema, { values, other, metrics: { count: BigInt(count) } });

describe("usage periods", () => {
  const now = new Date("2026-12-05T12:34:56Z");
  it("start months at midnight UTC on the 1st", () => {
    expect(periodWindow("mtd", "", "", now)).toEqual({ start: new Date("2026-12-01T00:00:00Z"), end: now });
  });
  it("count days back from now", () => {
    expect(periodWindow("7d", "", "", now).start).toEqual(new Date("2026-11-28T12:34:56Z"));
  });
  it("fall back to the month when custom bounds do not parse", () => {
    expect(periodWindow("custom", "soon", "", now).start).toEqual(new Date("2026-12-01T00:00:00Z"));
    expect(periodWindow("custom", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", now)).toEqual({
      start: new Date("2026-10-01T00:00:00Z"),
      end: new Date("2026-11-01T00:00:00Z"),
    });
  });
});

describe("pivots", () => {
  it("sum cells, rows and columns, ordered by total, without the other row", () => {
    const p = pivot([
      group(["/a", "free"], 10),
      group(["/b", "pro"], 50),
      group(["/a", "pro"], 5),
      group(["/b", "free"], 1),
      group(["/c", "enterprise"], 20),
      group([], 99, true),
    ]);
    expect(p.rows).toEqual(["/b", "/c", "/a"]);
    expect(p.columns).toEqual(["pro", "enterprise", "free"]);
    expect(p.count.get("/a")!.get("pro")).toBe(5);
    expect(p.count.get("/c")!.get("free")).toBeUndefined();
    expect(p.rowTotal.get("/b")).toBe(51);
    expect(p.total).toBe(86);
  });
});
