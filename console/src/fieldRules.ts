// A service's extracted fields as the admin page edits them: one rule per line,
// "name type source path", for example "prediction.label string response_body $.prediction.label".
import { create } from "@bufbuild/protobuf";
import { type FieldRule, FieldRuleSchema, FieldSource, FieldType } from "@tapline/client";

/** A rule as its line. */
export function fieldRuleLine(rule: FieldRule): string {
  const type = (FieldType[rule.type] ?? "UNSPECIFIED").toLowerCase();
  const source = (FieldSource[rule.source] ?? "UNSPECIFIED").toLowerCase();
  return `${rule.name} ${type} ${source} ${rule.path}`;
}

/**
 * A line as a rule. A word that names no type or source is sent as unspecified, so the server's
 * message says which; the path is the rest of the line, spaces included.
 */
export function parseFieldRule(line: string): FieldRule {
  const [name = "", type = "", source = "", ...path] = line.trim().split(/\s+/);
  const typeValue = FieldType[type.toUpperCase() as keyof typeof FieldType];
  const sourceValue = FieldSource[source.toUpperCase() as keyof typeof FieldSource];
  return create(FieldRuleSchema, {
    name,
    type: typeof typeValue === "number" ? typeValue : FieldType.UNSPECIFIED,
    source: typeof sourceValue === "number" ? sourceValue : FieldSource.UNSPECIFIED,
    path: path.join(" "),
  });
}
