import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SearchOrder, StatusClass } from "@tapline/client";
import { call, clients, ingest, screenshot, serviceName, signIn } from "./tapline";

const service = serviceName("explorer");
const CALLS = 130;

test.beforeAll(async () => {
  await ingest(
    Array.from({ length: CALLS }, (_, i) =>
      call(service, i * 7 + 3, {
        method: i % 3 === 0 ? "POST" : "GET",
        statusCode: i % 5 === 0 ? 503 : i % 7 === 0 ? 404 : 200,
        customerId: `customer-${i % 4}`,
        plan: i % 4 === 0 ? "enterprise" : "free",
        tags: { region: i % 2 === 0 ? "eu" : "us" },
        latencyMs: 5 + ((i * 37) % 400),
      }),
    ),
  );
});

/** The ids SearchCalls gives for the same filter, page after page. */
async function searchIds(filter: object, order: SearchOrder, pages: number): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = "";
  for (let p = 0; p < pages; p++) {
    const page = await clients().query.searchCalls({ filter, pageSize: 50, order, pageToken });
    ids.push(...page.calls.map((c) => c.id));
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return ids;
}

async function shownIds(page: import("@playwright/test").Page): Promise<string[]> {
  const hrefs = await page.locator("table.calls tbody tr td:first-child a").evaluateAll((links) =>
    links.map((a) => (a as HTMLAnchorElement).pathname),
  );
  return hrefs.map((h) => decodeURIComponent(h.replace("/calls/", "")));
}

test("the filter form, the URL and SearchCalls agree, page after page", async ({ page }) => {
  await signIn(page);
  await page.goto("/calls");
  await page.getByLabel("Service", { exact: true }).fill(service);
  await page.getByRole("group", { name: "Time range" }).getByLabel("Last 24h").check();
  await page.getByRole("group", { name: "Status class" }).getByLabel("2xx").check();
  await page.getByLabel("Customer").fill("customer-1");
  await page.getByLabel("Order").selectOption("slowest");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/class=2xx/);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toMatchObject({ service, range: "24h", class: "2xx", customer: "customer-1", order: "slowest" });

  const filter = {
    service,
    startTime: timestampFromDate(new Date(Date.now() - 24 * 3600_000)),
    statusClasses: [StatusClass.STATUS_CLASS_2XX],
    customerId: "customer-1",
  };
  const expected = await searchIds(filter, SearchOrder.SLOWEST_FIRST, 1);
  expect(expected.length).toBeGreaterThan(10);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(expected.length);
  expect(await shownIds(page)).toEqual(expected);
  await screenshot(page, "calls-filtered");

  // The link reproduces the view.
  await page.goto(url.pathname + url.search);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(expected.length);
  await expect(page.getByLabel("Customer")).toHaveValue("customer-1");
});

test("load more continues with SearchCalls' next page", async ({ page }) => {
  await signIn(page);
  await page.goto(`/calls?service=${service}&range=24h`);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(50);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(page.locator("table.calls tbody tr")).toHaveCount(100);
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(page.locator("table.calls tbody tr")).toHaveCount(CALLS);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  const expected = await searchIds({ service, startTime: timestampFromDate(new Date(Date.now() - 24 * 3600_000)) }, SearchOrder.NEWEST_FIRST, 3);
  expect(await shownIds(page)).toEqual(expected);
});

test("every filter of SearchCalls is in the form and the URL", async ({ page }) => {
  await signIn(page);
  await page.goto(
    `/calls?service=${service}&range=24h&method=post&status=503&route=%2Fv1%2Fitems%2F%7Bid%7D&path=%2Fv1%2F&pathContains=items&minLatency=1&maxLatency=1000&errors=only&plan=enterprise&tag=region%3Deu&q=example`,
  );
  const expected = await searchIds(
    {
      service,
      startTime: timestampFromDate(new Date(Date.now() - 24 * 3600_000)),
      method: "POST",
      statusCode: 503,
      route: "/v1/items/{id}",
      pathPrefix: "/v1/",
      pathContains: "items",
      minLatencyMs: 1,
      maxLatencyMs: 1000,
      hasError: true,
      plan: "enterprise",
      tags: { region: "eu" },
      text: "example",
    },
    SearchOrder.NEWEST_FIRST,
    1,
  );
  expect(expected.length).toBeGreaterThan(0);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(expected.length);
  expect(await shownIds(page)).toEqual(expected);
  await expect(page.getByLabel("Method")).toHaveValue("POST");
  await expect(page.getByLabel("Tags")).toHaveValue("region=eu");
  await expect(page.getByLabel("Errors")).toHaveValue("only");
});

test("live mode shows new calls as they arrive", async ({ page }) => {
  const live = serviceName("live");
  await ingest([call(live, 30, { route: "/before" })]);
  await signIn(page);
  await page.goto(`/calls?service=${live}`);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(1);
  await page.getByLabel(/^Live/).check();
  await ingest([call(live, 0, { route: "/after" })]);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(2);
  await expect(page.locator("table.calls tbody tr").first()).toContainText("/after");
});

test("the overview shows the service's figures and downloads them as CSV", async ({ page }) => {
  await signIn(page);
  await page.goto(`/?range=24h&service=${service}`);
  const services = page.getByRole("table", { name: /^Services/ });
  const row = services.locator("tbody tr").filter({ hasText: service });
  await expect(row).toContainText(String(CALLS));
  await expect(page.locator("figure.chart [data-ready=true]")).toHaveCount(3);
  // One service in focus: its latency quantiles over time, one line each.
  await expect(page.getByRole("img", { name: "Latency over time (p50, p95, p99)" })).toBeVisible();
  await screenshot(page, "overview");

  const download = page.waitForEvent("download");
  await services.getByRole("button", { name: "Download CSV" }).click();
  const file = await (await download).path();
  const text = readFileSync(file, "utf8");
  const lines = text.split("\r\n");
  expect(lines[0]).toBe("Service,Requests,Errors,Error rate,p50,p95,p99");
  const mine = lines.find((l: string) => l.startsWith(`${service},`));
  expect(mine, text).toBeDefined();
  const errors = Array.from({ length: CALLS }, (_, i) => i).filter((i) => i % 5 === 0).length;
  expect(mine!.split(",").slice(1, 3)).toEqual([String(CALLS), String(errors)]);

  // Dark: the page and its charts follow the user's choice, which is remembered.
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.locator("figure.chart [data-ready=true]")).toHaveCount(3);
  await screenshot(page, "overview-dark");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
});

test("the calls of the filter export as a file", async ({ page }) => {
  await signIn(page);
  await page.goto(`/calls?service=${service}&range=24h&class=5xx`);
  await expect(page.locator("table.calls tbody tr").first()).toBeVisible();
  await page.getByLabel("Export format").selectOption("csv");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export these calls" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^calls-.*\.csv$/);
  const lines = readFileSync(await file.path(), "utf8").trim().split("\n");
  const errors = Array.from({ length: CALLS }, (_, i) => i).filter((i) => i % 5 === 0).length;
  expect(lines).toHaveLength(1 + errors);
  expect(lines[0]).toContain('"status_code"');
  expect(lines.slice(1).every((l) => l.includes(`"${service}"`) && l.includes(",503,"))).toBe(true);
});
