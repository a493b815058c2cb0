import type { ReactNode } from "react";
import type { BreakdownGroup, CallMetrics } from "@tapline/client";
import { count, csv, latency, percent } from "../format";

export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
  /** The cell's value in the CSV download; the rendered text when absent. */
  value?: (row: T) => string | number | bigint;
  numeric?: boolean;
}

/** A data table with a caption and a CSV download of exactly its rows. */
export function Table<T>({ caption, rows, columns, rowKey, download }: {
  caption: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T, index: number) => string;
  /** File name of the CSV download; no download link when absent. */
  download?: string;
}) {
  const save = () => {
    const data = [columns.map((c) => c.title), ...rows.map((r) => columns.map((c) => (c.value ? c.value(r) : String(c.cell(r) ?? ""))))];
    const url = URL.createObjectURL(new Blob([csv(data)], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = download!;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div className="table-wrap">
      <table>
        <caption>
          {caption}
          {download && (
            <button type="button" className="plain small" onClick={save}>
              Download CSV
            </button>
          )}
        </caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} scope="col" className={c.numeric ? "num" : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="muted">
                No data in this range.
              </td>
            </tr>
          )}
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)}>
              {columns.map((c) => (
                <td key={c.title} className={c.numeric ? "num" : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FIGURES = {
  requests: { title: "Requests", cell: (m: CallMetrics) => count(m.count), value: (m: CallMetrics) => m.count },
  errors: { title: "Errors", cell: (m: CallMetrics) => count(m.errors), value: (m: CallMetrics) => m.errors },
  errorRate: { title: "Error rate", cell: (m: CallMetrics) => percent(m.errorRate), value: (m: CallMetrics) => m.errorRate },
  p50: { title: "p50", cell: (m: CallMetrics) => latency(m.p50LatencyMs), value: (m: CallMetrics) => m.p50LatencyMs },
  p95: { title: "p95", cell: (m: CallMetrics) => latency(m.p95LatencyMs), value: (m: CallMetrics) => m.p95LatencyMs },
  p99: { title: "p99", cell: (m: CallMetrics) => latency(m.p99LatencyMs), value: (m: CallMetrics) => m.p99LatencyMs },
};

/** Columns of breakdown groups' figures ("share" is the group's share of all calls). */
export function figureColumns(...names: (keyof typeof FIGURES | "share")[]): Column<BreakdownGroup>[] {
  return names.map((name) =>
    name === "share"
      ? { title: "Share", numeric: true, cell: (g) => percent(g.share), value: (g) => g.share }
      : { title: FIGURES[name].title, numeric: true, cell: (g) => FIGURES[name].cell(g.metrics!), value: (g) => FIGURES[name].value(g.metrics!) },
  );
}
