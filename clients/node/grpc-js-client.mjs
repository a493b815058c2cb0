// A second gRPC implementation against Tapline: @grpc/grpc-js with @grpc/proto-loader, reading
// Tapline's descriptor set (no code generated from Tapline's protos). It subscribes to alert
// events of a service, streams batches on IngestStream with flow control (at most WINDOW batches
// waiting for their acknowledgement, and the HTTP/2 window respected through write()'s answer),
// retries batches the server asks to retry, then prints a JSON summary and exits.
//
//   node grpc-js-client.mjs <host:port> <key> <descriptor set> <service> <batches> <calls per batch>
import { readFileSync } from "node:fs";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const [address, key, descriptors, service, batchesArg, perBatchArg] = process.argv.slice(2);
const batches = Number(batchesArg);
const perBatch = Number(perBatchArg);
const WINDOW = 4;
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED]);

const definition = protoLoader.loadFileDescriptorSetFromBuffer(readFileSync(descriptors), {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const tapline = grpc.loadPackageDefinition(definition).tapline.v1;
const credentials = grpc.credentials.createInsecure();
const metadata = new grpc.Metadata();
metadata.set("authorization", `Bearer ${key}`);

// 1. Alert events of the service, from the first stored one.
const alerts = new tapline.AlertService(address, credentials);
const events = [];
let heartbeats = 0;
const subscription = alerts.subscribeAlerts({ filter: { service }, after_id: 0 }, metadata);
subscription.on("data", (item) => {
  if (item.item === "event") events.push(item.event);
  else heartbeats++;
});
subscription.on("error", (e) => {
  if (e.code !== grpc.status.CANCELLED) fail(`SubscribeAlerts failed: ${e.message}`);
});

// 2. Batches on one IngestStream: every 10th call a server error, for the alert rule.
const ingest = new tapline.IngestService(address, credentials);
const stream = ingest.ingestStream(metadata);
const pending = []; // batches sent and not yet acknowledged, in order
const queue = Array.from({ length: batches }, (_, b) => ({
  batch_id: `grpc-js-${service}-${b}`,
  calls: Array.from({ length: perBatch }, (_, i) => ({
    id: `b${b}-c${i}`,
    timestamp: { seconds: String(Math.floor(Date.now() / 1000) - 60), nanos: 0 },
    service,
    method: "GET",
    url: `https://api.example.com/v1/items/${b * perBatch + i}`,
    route: "/v1/items/{id}",
    status_code: (b * perBatch + i) % 10 === 9 ? 500 : 200,
    latency_ms: 5 + i,
  })),
}));
let accepted = 0;
let retried = 0;
let acknowledged = 0;
let maxInFlight = 0;
let blocked = false;

function pump() {
  while (!blocked && queue.length > 0 && pending.length < WINDOW) {
    const batch = queue.shift();
    pending.push(batch);
    maxInFlight = Math.max(maxInFlight, pending.length);
    // false: the HTTP/2 window is full; wait for "drain" before writing more.
    if (!stream.write(batch)) {
      blocked = true;
      stream.once("drain", () => {
        blocked = false;
        pump();
      });
    }
  }
  if (queue.length === 0 && pending.length === 0) stream.end();
}

stream.on("data", (response) => {
  const batch = pending.shift();
  if (response.batch_id !== batch.batch_id) fail(`acknowledged ${response.batch_id}, expected ${batch.batch_id}`);
  if (response.error && RETRYABLE.has(response.error.code)) {
    retried++;
    queue.unshift(batch);
  } else if (response.error) {
    fail(`batch ${batch.batch_id} failed: ${response.error.message}`);
  } else {
    accepted += response.accepted;
    acknowledged++;
  }
  pump();
});
stream.on("error", (e) => fail(`IngestStream failed: ${e.message}`));
stream.on("end", async () => {
  // 3. Wait for the alert events the server errors set off, then report.
  const until = Date.now() + 30_000;
  while (events.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  subscription.cancel();
  console.log(JSON.stringify({ acknowledged, accepted, retried, maxInFlight, heartbeats, events }));
  process.exit(0);
});
pump();

function fail(message) {
  console.error(message);
  process.exit(1);
}
