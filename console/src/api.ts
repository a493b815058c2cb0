// The API clients, generated from proto/ and spoken over gRPC-Web on the console's own origin.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearer, createTaplineClients, QueryService } from "@tapline/client";
import { storedKey } from "./session";

/** Called when the server refuses the key (401) or the key lacks a scope (403). */
let onRefused: (reason: string) => void = () => {};

export function whenRefused(handler: (reason: string) => void): void {
  onRefused = handler;
}

const storedBearer: Interceptor = (next) => async (req) => {
  const key = storedKey();
  if (key) {
    req.header.set("authorization", `Bearer ${key}`);
  }
  try {
    return await next(req);
  } catch (e) {
    const error = ConnectError.from(e);
    if (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied) {
      onRefused(error.rawMessage);
    }
    throw error;
  }
};

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

const queryTurns: Interceptor = (next) => async (req) => {
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

export function transportFor(baseUrl: string, key?: string) {
  const interceptors: Interceptor[] = key ? [bearer(key)] : [storedBearer, queryTurns];
  return createGrpcWebTransport({ baseUrl, useBinaryFormat: true, interceptors });
}

export const { identity, query, alerts, admin, replay } = createTaplineClients(transportFor(window.location.origin));

/** The message of an error as the user should read it. */
export function messageOf(e: unknown): string {
  return ConnectError.from(e).rawMessage;
}
