import { describe, expect, it } from "vitest";
import { csv, latency, maskedParts, percent, prettyBody, statusClass } from "./format";

describe("formatting", () => {
  it("writes latencies with sensible precision", () => {
    expect(latency(0.123)).toBe("0.12 ms");
    expect(latency(12.34)).toBe("12.3 ms");
    expect(latency(123.4)).toBe("123 ms");
    expect(latency(1234)).toBe("1.23 s");
    expect(latency(12345)).toBe("12.3 s");
    expect(latency(NaN)).toBe("–");
  });

  it("writes shares as percentages, small ones with more digits", () => {
    expect(percent(0)).toBe("0 %");
    expect(percent(0.2)).toBe("20.0 %");
    expect(percent(0.0123)).toBe("1.23 %");
    expect(percent(0.00012)).toBe("0.012 %");
  });

  it("names status classes", () => {
    expect(statusClass(204)).toBe("2xx");
    expect(statusClass(503)).toBe("5xx");
    expect(statusClass(0)).toBe("");
  });
});

describe("bodies", () => {
  it("indents JSON and leaves anything else as sent", () => {
    expect(prettyBody('{"a":[1,2]}')).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true });
    expect(prettyBody('{"cut": "in the mid')).toEqual({ text: '{"cut": "in the mid', json: false });
    expect(prettyBody("plain <b>text</b>")).toEqual({ text: "plain <b>text</b>", json: false });
  });

  it("cuts text into plain and masked parts", () => {
    expect(maskedParts('{"password": "[masked]", "pin": "[masked]"}')).toEqual([
      { text: '{"password": "', masked: false },
      { text: "[masked]", masked: true },
      { text: '", "pin": "', masked: false },
      { text: "[masked]", masked: true },
      { text: '"}', masked: false },
    ]);
    expect(maskedParts("[masked]")).toEqual([{ text: "[masked]", masked: true }]);
    expect(maskedParts("")).toEqual([]);
  });
});

describe("CSV", () => {
  it("quotes what needs quoting and guards formulas", () => {
    expect(csv([["name", "count"], ['a "quoted", value', 3n], ["=HYPERLINK(1)", 1.5], ["line\nbreak", "-1"]])).toBe(
      'name,count\r\n"a ""quoted"", value",3\r\n\'=HYPERLINK(1),1.5\r\n"line\nbreak",\'-1',
    );
  });
});
