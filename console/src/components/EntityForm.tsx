import { type FormEvent, useState } from "react";
import { messageOf } from "../api";
import { fieldError } from "../rules";

export type Draft = Record<string, string | boolean>;

export interface Field {
  /** The draft's key, and the field's name in the server's messages (after the prefix). */
  name: string;
  label: string;
  kind?: "text" | "number" | "list" | "check" | "select" | "datetime";
  options?: string[];
  placeholder?: string;
  /** Set when creating only (an id). */
  fixed?: boolean;
}

/** A form for one admin entity; the server's validation message appears beside its field. */
export function EntityForm({ title, fields, initial, editing, prefix, onSave, onDone }: {
  title: string;
  fields: Field[];
  initial: Draft;
  editing: boolean;
  /** What the server puts before field names in its messages, e.g. "service.". */
  prefix: string;
  onSave: (draft: Draft) => Promise<unknown>;
  onDone: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<{ field: string; reason: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await onSave(draft);
      onDone();
    } catch (e) {
      setProblem(fieldError(messageOf(e), prefix));
    } finally {
      setBusy(false);
    }
  };
  const placed = problem && fields.some((f) => problem.field === f.name || problem.field.startsWith(f.name + "."));
  return (
    <form className="editor" onSubmit={save} aria-label={title}>
      <div className="grid">
        {fields.map((f) => {
          const invalid = problem && (problem.field === f.name || problem.field.startsWith(f.name + "."));
          const value = draft[f.name];
          const set = (v: string | boolean) => setDraft({ ...draft, [f.name]: v });
          return (
            <label key={f.name} className={f.kind === "check" ? "check" : undefined}>
              {f.kind !== "check" && f.label}
              {f.kind === "check" ? (
                <input type="checkbox" name={f.name} checked={value === true} onChange={(e) => set(e.target.checked)} />
              ) : f.kind === "select" ? (
                <select name={f.name} value={String(value ?? "")} onChange={(e) => set(e.target.value)}>
                  {(f.options ?? []).map((o) => (
                    <option key={o} value={o}>
                      {o || "(none)"}
                    </option>
                  ))}
                </select>
              ) : f.kind === "list" ? (
                <textarea name={f.name} rows={2} placeholder={f.placeholder} value={String(value ?? "")} onChange={(e) => set(e.target.value)} aria-invalid={invalid || undefined} />
              ) : (
                <input
                  name={f.name}
                  type={f.kind === "datetime" ? "datetime-local" : "text"}
                  inputMode={f.kind === "number" ? "numeric" : undefined}
                  placeholder={f.placeholder}
                  disabled={f.fixed && editing}
                  value={String(value ?? "")}
                  onChange={(e) => set(e.target.value)}
                  aria-invalid={invalid || undefined}
                />
              )}
              {f.kind === "check" && f.label}
              {invalid && (
                <span className="field-error" role="alert">
                  {problem!.reason}
                </span>
              )}
            </label>
          );
        })}
      </div>
      {problem && !placed && (
        <p role="alert" className="error">
          {problem.field ? `${problem.field}: ` : ""}
          {problem.reason}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {editing ? "Save" : "Create"}
        </button>
        <button type="button" className="plain" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Lines or commas as a list, blanks dropped. */
export function list(text: string | boolean): string[] {
  return String(text)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
