// The API clients, generated from proto/ and spoken over gRPC-Web on the console's own origin.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearer, createTaplineClients } from "@tapline/client";
import { queryTurns } from "./queryTurns";
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

export function transportFor(baseUrl: string, key?: string) {
  const interceptors: Interceptor[] = key ? [bearer(key)] : [storedBearer, queryTurns];
  return createGrpcWebTransport({ baseUrl, useBinaryFormat: true, interceptors });
}

export const { identity, query, alerts, admin, replay, labels, drift } = createTaplineClients(transportFor(window.location.origin));

/** The message of an error as the user should read it. */
export function messageOf(e: unknown): string {
  return ConnectError.from(e).rawMessage;
}
