// How the console keeps to the server's limit on a key's queries (and the browser tests with it).
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { QueryService } from "@tapline/client";

/**
 * The server runs at most query.max-concurrent-per-key (4 by default) queries of one key at once
 * and refuses more. A page asks several at a time, and a user may have two tabs open: the console
 * keeps to {@link MAX_QUERIES} queries in flight and retries a refused one after a short wait.
 */
export const MAX_QUERIES = 2;
const QUERY_RETRIES = 4;
let inFlight = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  while (inFlight >= MAX_QUERIES) await new Promise<void>((go) => waiting.push(go));
  inFlight++;
  return () => {
    inFlight--;
    waiting.shift()?.();
  };
}

export const queryTurns: Interceptor = (next) => async (req) => {
  if (req.service.typeName !== QueryService.typeName) return next(req);
  for (let attempt = 0; ; attempt++) {
    const done = await turn();
    try {
      return await next(req);
    } catch (e) {
      const error = ConnectError.from(e);
      if (error.code !== Code.ResourceExhausted || attempt >= QUERY_RETRIES || req.signal.aborted) throw error;
    } finally {
      done();
    }
    await new Promise((resume) => setTimeout(resume, 250 * 2 ** attempt));
  }
};
