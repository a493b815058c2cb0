// Replay overrides as the console edits them: one "name: value" per line for headers and query
// parameters, one "/json/pointer = value" per line for masked body fields.
import { create } from "@bufbuild/protobuf";
import { type ReplayOverrides, ReplayOverridesSchema } from "@tapline/client";

export interface OverridesDraft {
  url: string;
  method: string;
  headers: string;
  removeHeaders: string;
  overrideBody: boolean;
  body: string;
  queryParams: string;
  bodyFields: string;
}

export const NO_OVERRIDES: OverridesDraft = {
  url: "",
  method: "",
  headers: "",
  removeHeaders: "",
  overrideBody: false,
  body: "",
  queryParams: "",
  bodyFields: "",
};

/** "name: value" (or "name = value") lines as a map; lines without a name are skipped. */
export function pairs(text: string, separator: ":" | "="): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(separator);
    const name = at < 0 ? "" : line.slice(0, at).trim();
    if (name === "") continue;
    out[name] = line.slice(at + 1).trim();
  }
  return out;
}

export function overridesFrom(d: OverridesDraft): ReplayOverrides {
  return create(ReplayOverridesSchema, {
    url: d.url.trim(),
    method: d.method.trim().toUpperCase(),
    headers: pairs(d.headers, ":"),
    removeHeaders: d.removeHeaders.split(/[\n,]/).map((h) => h.trim()).filter((h) => h !== ""),
    body: d.overrideBody ? d.body : undefined,
    queryParams: pairs(d.queryParams, "="),
    bodyFields: pairs(d.bodyFields, "="),
  });
}
