import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { call, clients, ingest, screenshot, serviceName, signIn } from "./tapline";

let target: Server;
let port: number;
const received: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

test.beforeAll(async () => {
  // The replay target: a local HTTP server on loopback that answers a little differently from
  // what was recorded.
  target = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ price: 12, currency: "EUR", extra: true }));
    });
  });
  await new Promise<void>((ready) => target.listen(0, "127.0.0.1", ready));
  port = (target.address() as AddressInfo).port;
});

test.afterAll(() => target.close());

test("a call replayed with overrides, compared side by side, and kept in its history", async ({ page }) => {
  const service = serviceName("replay");
  await clients().admin.createService({
    service: { name: service, baseUrl: `http://127.0.0.1:${port}`, replayAllowList: ["127.0.0.1"] },
  });
  await ingest([
    call(service, 20, {
      id: "quote-1",
      method: "POST",
      url: `http://127.0.0.1:${port}/v1/quote?sku=A-1`,
      route: "/v1/quote",
      requestHeaders: { "content-type": "application/json", authorization: "Bearer recorded-secret" },
      requestBody: JSON.stringify({ sku: "A-1", qty: 2 }),
      responseBody: JSON.stringify({ price: 10, currency: "EUR" }),
      statusCode: 201,
      latencyMs: 40,
    }),
  ]);
  await signIn(page);
  await page.goto(`/calls/quote-1?service=${service}`);
  const form = page.getByRole("form", { name: "Replay this call" });
  await form.getByLabel("Headers to set").fill("authorization: Bearer replay-secret\nx-replayed: yes");
  await form.getByRole("button", { name: "Replay" }).click();

  const comparison = page.getByRole("article", { name: "Comparison" });
  await expect(comparison.getByRole("region", { name: "Replayed" })).toContainText("200");
  await expect(comparison.getByRole("region", { name: "Original" })).toContainText("201");
  const diff = comparison.getByRole("region", { name: "Body differences" });
  await expect(diff.locator("tr.diff-changed")).toContainText(["/price"]);
  await expect(diff.locator("tr.diff-changed")).toContainText("10");
  await expect(diff.locator("tr.diff-changed")).toContainText("12");
  await expect(diff.locator("tr.diff-added")).toContainText("/extra");
  await expect(page.getByRole("table", { name: "Replay history" }).locator("tbody tr")).toHaveCount(1);
  await screenshot(page, "replay");

  // What the target received: the override, the recorded body, never the masked value.
  expect(received).toHaveLength(1);
  expect(received[0].method).toBe("POST");
  expect(received[0].url).toBe("/v1/quote?sku=A-1");
  expect(received[0].headers["authorization"]).toBe("Bearer replay-secret");
  expect(received[0].headers["x-replayed"]).toBe("yes");
  expect(JSON.parse(received[0].body)).toEqual({ sku: "A-1", qty: 2 });

  // The history survives a reload and shows the comparison again.
  await page.reload();
  await page.getByRole("table", { name: "Replay history" }).locator("tbody tr button").click();
  await expect(page.getByRole("article", { name: "Comparison" }).locator("tr.diff-added")).toContainText("/extra");
});

test("a replay the server refuses says why", async ({ page }) => {
  const service = serviceName("refused");
  await clients().admin.createService({ service: { name: service, baseUrl: "https://api.example.com" } });
  await ingest([call(service, 5, { id: "r-1" })]);
  await signIn(page);
  await page.goto(`/calls/r-1?service=${service}`);
  const form = page.getByRole("form", { name: "Replay this call" });
  await form.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data/");
  await form.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("region", { name: "Replay" }).getByRole("alert")).toBeVisible();
  await expect(page.getByRole("table", { name: "Replay history" }).locator("tbody tr")).toContainText("Not replayed yet");
});
