import type { ReactNode } from "react";
import { csv } from "../format";

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
