// The live feed of alert events: history first, then SubscribeAlerts from the newest id seen,
// resumed from the last id received after any disconnect, so no event is missed or shown twice.
import { useEffect, useState } from "react";
import { alerts } from "./api";
import type { AlertEvent } from "@tapline/client";
import { backoff, mergeEvents } from "./events";

export type FeedState = "connecting" | "live" | "reconnecting";

export function useAlertFeed(service: string): { events: AlertEvent[]; state: FeedState; error: string } {
  const [events, setEvents] = useState<AlertEvent[]>([]);
  const [state, setState] = useState<FeedState>("connecting");
  const [error, setError] = useState("");

  useEffect(() => {
    const abort = new AbortController();
    let lastId: bigint | undefined;
    (async () => {
      const history = await alerts.listAlertEvents({ filter: { service }, pageSize: 100 }, { signal: abort.signal });
      setEvents(history.events);
      lastId = history.events.reduce((max, e) => (e.id > max ? e.id : max), 0n);
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        try {
          const stream = alerts.subscribeAlerts({ filter: { service }, afterId: lastId }, { signal: abort.signal });
          for await (const item of stream) {
            attempt = 0;
            setState("live");
            setError("");
            if (item.item.case === "event") {
              const event = item.item.value;
              lastId = event.id;
              setEvents((shown) => mergeEvents(shown, [event]));
            }
          }
        } catch (e) {
          if (abort.signal.aborted) return;
          setError(e instanceof Error ? e.message : String(e));
        }
        setState("reconnecting");
        await new Promise((resume) => setTimeout(resume, backoff(attempt)));
      }
    })().catch((e) => !abort.signal.aborted && setError(e instanceof Error ? e.message : String(e)));
    return () => abort.abort();
  }, [service]);

  return { events, state, error };
}
