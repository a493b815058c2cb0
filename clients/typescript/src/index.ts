// Tapline's API for TypeScript. The messages and service descriptors are generated from proto/
// (protoc-gen-es); the clients are Connect clients over whichever transport suits the runtime:
// gRPC-Web in browsers (@connectrpc/connect-web), gRPC or gRPC-Web in Node.js
// (@connectrpc/connect-node).
import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { AdminService } from "./gen/tapline/v1/admin_pb.js";
import { AlertService } from "./gen/tapline/v1/alert_pb.js";
import { DatasetService } from "./gen/tapline/v1/datasets_pb.js";
import { DriftService } from "./gen/tapline/v1/drift_pb.js";
import { IdentityService } from "./gen/tapline/v1/identity_pb.js";
import { IngestService } from "./gen/tapline/v1/ingest_pb.js";
import { LabelService } from "./gen/tapline/v1/labels_pb.js";
import { QueryService } from "./gen/tapline/v1/query_pb.js";
import { ReplayService } from "./gen/tapline/v1/replay_pb.js";

export * from "./gen/tapline/v1/admin_pb.js";
export * from "./gen/tapline/v1/alert_pb.js";
export * from "./gen/tapline/v1/api_call_pb.js";
export * from "./gen/tapline/v1/datasets_pb.js";
export * from "./gen/tapline/v1/drift_pb.js";
export * from "./gen/tapline/v1/identity_pb.js";
export * from "./gen/tapline/v1/ingest_pb.js";
export * from "./gen/tapline/v1/labels_pb.js";
export * from "./gen/tapline/v1/query_pb.js";
export * from "./gen/tapline/v1/replay_pb.js";

/** Sends an API key as Tapline expects it: `authorization: Bearer <key>`. */
export function bearer(key: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${key}`);
    return next(request);
  };
}

/** A client for each of Tapline's services, over one transport. */
export function createTaplineClients(transport: Transport) {
  return {
    identity: createClient(IdentityService, transport),
    ingest: createClient(IngestService, transport),
    query: createClient(QueryService, transport),
    alerts: createClient(AlertService, transport),
    admin: createClient(AdminService, transport),
    replay: createClient(ReplayService, transport),
    drift: createClient(DriftService, transport),
    labels: createClient(LabelService, transport),
    datasets: createClient(DatasetService, transport),
  };
}

export type TaplineClients = ReturnType<typeof createTaplineClients>;
