import { describe, expect, it } from "vitest";
import { FieldSource, FieldType } from "@tapline/client";
import { fieldRuleLine, parseFieldRule } from "./fieldRules";

describe("field rule lines", () => {
  it("round-trip, with a path that holds spaces", () => {
    for (const line of ["prediction.label string response_body $.prediction.label", "age number request_body $['features']['age in years']", "region string request_header x-region"]) {
      expect(fieldRuleLine(parseFieldRule(line))).toBe(line);
    }
    const rule = parseFieldRule("  score   number  response_body  /score ");
    expect([rule.name, rule.type, rule.source, rule.path]).toEqual(["score", FieldType.NUMBER, FieldSource.RESPONSE_BODY, "/score"]);
  });

  it("send unknown words as unspecified for the server to name", () => {
    const rule = parseFieldRule("x integer body /x");
    expect([rule.type, rule.source]).toEqual([FieldType.UNSPECIFIED, FieldSource.UNSPECIFIED]);
  });
});
