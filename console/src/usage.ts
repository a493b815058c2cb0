// The usage pages' arithmetic: billing periods and pivots of two-dimensional breakdowns.
import type { BreakdownGroup } from "@tapline/client";

export const PERIODS = { mtd: "Month to date", "7d": "Last 7 days", "30d": "Last 30 days", custom: "Custom" } as const;
export type Period = keyof typeof PERIODS;

/** The window of a period ending now; months start at midnight UTC on the 1st, as plans bill. */
export function periodWindow(period: Period, from: string, to: string, now: Date): { start: Date; end: Date } {
  switch (period) {
    case "mtd":
      return { start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), end: now };
    case "7d":
      return { start: new Date(now.getTime() - 7 * 86_400_000), end: now };
    case "30d":
      return { start: new Date(now.getTime() - 30 * 86_400_000), end: now };
    case "custom": {
      const start = new Date(from);
      const end = to ? new Date(to) : now;
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return periodWindow("mtd", "", "", now);
      return { start, end };
    }
  }
}

export interface Pivot {
  rows: string[];
  columns: string[];
  /** count[row][column] */
  count: Map<string, Map<string, number>>;
  rowTotal: Map<string, number>;
  total: number;
}

/**
 * A pivot of breakdown groups over two dimensions (values[0] the row, values[1] the column), rows
 * and columns ordered by their totals. The "other" group, which has no values, is left out.
 */
export function pivot(groups: BreakdownGroup[]): Pivot {
  const count = new Map<string, Map<string, number>>();
  const rowTotal = new Map<string, number>();
  const columnTotal = new Map<string, number>();
  let total = 0;
  for (const g of groups) {
    if (g.other || g.values.length < 2) continue;
    const [row, column] = g.values;
    const n = Number(g.metrics?.count ?? 0n);
    if (!count.has(row)) count.set(row, new Map());
    count.get(row)!.set(column, (count.get(row)!.get(column) ?? 0) + n);
    rowTotal.set(row, (rowTotal.get(row) ?? 0) + n);
    columnTotal.set(column, (columnTotal.get(column) ?? 0) + n);
    total += n;
  }
  const byTotal = (totals: Map<string, number>) => [...totals.keys()].sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
  return { rows: byTotal(rowTotal), columns: byTotal(columnTotal), count, rowTotal, total };
}
