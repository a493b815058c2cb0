import type { ReactNode } from "react";
import type { BreakdownGroup, CallMetrics } from "@tapline/client";
import { count, csv, latency, percent } from "../format";
import { saveFile } from "../saveFile";

export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
  /** The cell's value in the CSV download; the rendered text when absent. */
  value?: (row: T) => string | number | bigint;
  numeric?: boolean;
}

/**
 * A data table with a caption, a line saying so when it has no rows, and optionally a CSV download
 * of exactly its rows.
 */
export function Table<T>({ caption, rows, columns, rowKey, download, empty = "No data in this range.", className, rowClass, selected }: {
  caption: ReactNode;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T, index: number) => string;
  /** File name of the CSV download; no download link when absent. */
  download?: string;
  /** What the table says when it has no rows. */
  empty?: ReactNode;
  className?: string;
  rowClass?: (row: T) => string | undefined;
  /** The row shown selected, if any. */
  selected?: (row: T) => boolean;
}) {
  const save = () => {
    const data = [columns.map((c) => c.title), ...rows.map((r) => columns.map((c) => (c.value ? c.value(r) : String(c.cell(r) ?? ""))))];
    saveFile(new Blob([csv(data)], { type: "text/csv" }), download!);
  };
  return (
    <div className="table-wrap">
      <table className={className}>
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
                {empty}
              </td>
            </tr>
          )}
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)} className={rowClass?.(row)} aria-selected={selected?.(row) || undefined}>
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

/**
 * A breakdown as a table: a first column naming each group (rendered by `name`; "other" for the
 * row beyond the limit), then the figures asked for, with a CSV download.
 */
export function GroupTable({ caption, download, groups, title, name, figures }: {
  caption: ReactNode;
  download: string;
  groups: BreakdownGroup[];
  /** The first column's title. */
  title: string;
  name: (value: string) => ReactNode;
  figures: Parameters<typeof figureColumns>;
}) {
  return (
    <Table
      caption={caption}
      download={download}
      rows={groups}
      rowKey={(g) => (g.other ? "\u0000other" : g.values.join("\u0000"))}
      columns={[
        {
          title,
          cell: (g) => (g.other ? <span className="muted">other</span> : name(g.values[0])),
          value: (g) => (g.other ? "other" : g.values[0]),
        },
        ...figureColumns(...figures),
      ]}
    />
  );
}

/** Columns of breakdown groups' figures ("share" is the group's share of all calls). */
function figureColumns(...names: (keyof typeof FIGURES | "share")[]): Column<BreakdownGroup>[] {
  return names.map((name) =>
    name === "share"
      ? { title: "Share", numeric: true, cell: (g) => percent(g.share), value: (g) => g.share }
      : { title: FIGURES[name].title, numeric: true, cell: (g) => FIGURES[name].cell(g.metrics!), value: (g) => FIGURES[name].value(g.metrics!) },
  );
}

/** The column of a row's Edit and Delete buttons. */
export function editDeleteColumn<T>(edit: (row: T) => void, remove: (row: T) => void): Column<T> {
  return {
    title: "Actions",
    cell: (row) => (
      <>
        <button type="button" className="plain small" onClick={() => edit(row)}>
          Edit
        </button>
        <button type="button" className="plain small" onClick={() => remove(row)}>
          Delete
        </button>
      </>
    ),
  };
}
