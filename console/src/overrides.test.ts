import { describe, expect, it } from "vitest";
import { NO_OVERRIDES, overridesFrom, pairs } from "./overrides";

describe("replay overrides", () => {
  it("read one name and value per line, the value kept whole", () => {
    expect(pairs("authorization: Bearer a:b\n\nx-empty:\nnot a pair\n : no name", ":")).toEqual({
      authorization: "Bearer a:b",
      "x-empty": "",
    });
    expect(pairs("/card/number = 4111 = 1\n/cvv=123", "=")).toEqual({ "/card/number": "4111 = 1", "/cvv": "123" });
  });

  it("send a body only when asked, even an empty one", () => {
    expect(overridesFrom({ ...NO_OVERRIDES, body: "ignored" }).body).toBeUndefined();
    expect(overridesFrom({ ...NO_OVERRIDES, overrideBody: true, body: "" }).body).toBe("");
  });

  it("upper-case the method and split the headers not to send", () => {
    const o = overridesFrom({ ...NO_OVERRIDES, method: " patch ", removeHeaders: "cookie, x-a\nx-b\n" });
    expect(o.method).toBe("PATCH");
    expect(o.removeHeaders).toEqual(["cookie", "x-a", "x-b"]);
  });
});
