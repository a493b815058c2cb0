// What the browser tests need besides the browser: API clients of the server under test (the
// same generated clients the console uses), data to look at, and signing in.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { expect, type Page } from "@playwright/test";
import { bearer, createTaplineClients, type ApiCall, type ApiCallSchema } from "@tapline/client";
import { queryTurns } from "../src/queryTurns";

export const baseUrl = process.env.TAPLINE_URL!;
export const adminKey = process.env.TAPLINE_ADMIN_KEY!;
if (!baseUrl || !adminKey) throw new Error("set TAPLINE_URL and TAPLINE_ADMIN_KEY");

export function clients(key = adminKey) {
  // The tests' queries share the admin key with the browser's, so they keep to the same limit.
  return createTaplineClients(
    createGrpcWebTransport({ baseUrl, useBinaryFormat: true, interceptors: [bearer(key), queryTurns] }),
  );
}

/** A call as the generated client takes it (a plain object, not a message). */
export type CallInit = Exclude<MessageInitShape<typeof ApiCallSchema>, ApiCall>;

/** A call with the fields every call needs, at `secondsAgo` before now. */
export function call(service: string, secondsAgo: number, init: Partial<CallInit> = {}): CallInit {
  return {
    timestamp: timestampFromDate(new Date(Date.now() - secondsAgo * 1000)),
    service,
    method: "GET",
    url: `https://api.example.com/v1/items/${secondsAgo}`,
    route: "/v1/items/{id}",
    statusCode: 200,
    latencyMs: 10 + (secondsAgo % 50),
    ...init,
  };
}

/** Sends calls in batches and checks that every one was accepted. */
export async function ingest(calls: CallInit[]): Promise<void> {
  const { ingest } = clients();
  for (let i = 0; i < calls.length; i += 500) {
    const batch = calls.slice(i, i + 500);
    const response = await ingest.ingest({ batchId: `e2e-${crypto.randomUUID()}`, calls: batch });
    expect(response.rejections, JSON.stringify(response.rejections)).toEqual([]);
    expect(response.accepted).toBe(batch.length);
  }
}

/** A new key with these scopes, optionally bound to a service. */
export async function newKey(scopes: string[], service = "", name = "e2e key"): Promise<string> {
  const created = await clients().admin.createApiKey({ name, scopes, service });
  return created.key;
}

export async function signIn(page: Page, key = adminKey, origin = ""): Promise<void> {
  await page.goto(`${origin}/signin`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Signed in as")).toBeVisible();
}

/** Saves a screenshot of the page under target/screenshots/, the tests' artifacts. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `target/screenshots/${name}.png`, fullPage: true });
}

/** A unique service name per test run, so tests never see each other's calls. */
export function serviceName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
