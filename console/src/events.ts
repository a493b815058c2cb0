// How the live alert feed merges what it receives and how long it waits to reconnect.
import type { AlertEvent } from "@tapline/client";

/** Events newest first, each id once. */
export function mergeEvents(shown: AlertEvent[], incoming: AlertEvent[]): AlertEvent[] {
  const byId = new Map<bigint, AlertEvent>();
  for (const e of [...shown, ...incoming]) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Delay before the n-th reconnection attempt: 0.5 s doubling to 15 s. */
export function backoff(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.max(0, attempt));
}
