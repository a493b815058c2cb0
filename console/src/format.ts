// How numbers, times and bodies read in the console.
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

const integer = new Intl.NumberFormat("en-US");

export function count(n: bigint | number): string {
  return integer.format(n);
}

export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return "–";
  if (ratio === 0) return "0 %";
  return `${(ratio * 100).toFixed(ratio < 0.001 ? 3 : ratio < 0.1 ? 2 : 1)} %`;
}

export function latency(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function bytes(n: bigint | number): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}

/** A call's time in the browser's zone, to the millisecond. */
export function time(ts: Timestamp | undefined): string {
  if (!ts) return "";
  const d = timestampDate(ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A time as a datetime-local input shows it: local, to the minute. */
export function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The colour of each status class in charts: success green, client errors amber, server red. */
export const STATUS_COLORS: Record<string, string> = {
  "1xx": "#94a3b8",
  "2xx": "#10b981",
  "3xx": "#60a5fa",
  "4xx": "#f59e0b",
  "5xx": "#ef4444",
};

export function statusClass(code: number): string {
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : "";
}

/** What the masker writes in place of a secret. */
export const MASKED = "[masked]";

/** A body as the console shows it: JSON indented, anything else as sent. */
export function prettyBody(body: string): { text: string; json: boolean } {
  const trimmed = body.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      // Not JSON after all (or cut short): shown as sent.
    }
  }
  return { text: body, json: false };
}

/** Text cut into plain parts and masked values, so the masked ones can be marked. */
export function maskedParts(text: string): { text: string; masked: boolean }[] {
  const parts: { text: string; masked: boolean }[] = [];
  let from = 0;
  for (let at = text.indexOf(MASKED); at >= 0; at = text.indexOf(MASKED, from)) {
    if (at > from) parts.push({ text: text.slice(from, at), masked: false });
    parts.push({ text: MASKED, masked: true });
    from = at + MASKED.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), masked: false });
  return parts;
}

/** Rows of a table as CSV (RFC 4180), with a formula guard for spreadsheet programs. */
export function csv(rows: (string | number | bigint)[][]): string {
  return rows
    .map((row) =>
      row
        .map((cell) => {
          let text = String(cell);
          if (typeof cell === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
          return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
        })
        .join(","),
    )
    .join("\r\n");
}
