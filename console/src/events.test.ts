import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { backoff, mergeEvents } from "./events";
import { AlertEventSchema } from "@tapline/client";

const event = (id: number, ruleName = `rule ${id}`) => create(AlertEventSchema, { id: BigInt(id), ruleName });

describe("the alert feed", () => {
  it("keeps events newest first, each id once, the latest copy winning", () => {
    const merged = mergeEvents([event(5), event(3)], [event(4), event(5, "again"), event(7)]);
    expect(merged.map((e) => Number(e.id))).toEqual([7, 5, 4, 3]);
    expect(merged[1].ruleName).toBe("again");
  });

  it("waits longer after each failed reconnection, up to 15 s", () => {
    expect([0, 1, 2, 5, 10].map(backoff)).toEqual([500, 1000, 2000, 15000, 15000]);
  });
});
