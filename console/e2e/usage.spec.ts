import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { call, ingest, screenshot, serviceName, signIn } from "./tapline";

const service = serviceName("usage");
// Three plans, five customers; known counts per route, plan, customer and status class.
const traffic: { customer: string; plan: string; route: string; status: number; n: number }[] = [
  { customer: "big", plan: "enterprise", route: "/v1/a", status: 200, n: 30 },
  { customer: "big", plan: "enterprise", route: "/v1/b", status: 500, n: 10 },
  { customer: "mid", plan: "enterprise", route: "/v1/a", status: 404, n: 8 },
  { customer: "mid", plan: "enterprise", route: "/v1/a", status: 200, n: 12 },
  { customer: "small", plan: "pro", route: "/v1/b", status: 200, n: 15 },
  { customer: "tiny", plan: "free", route: "/v1/a", status: 200, n: 4 },
  { customer: "tinier", plan: "free", route: "/v1/c", status: 429, n: 1 },
];

test.beforeAll(async () => {
  const calls = traffic.flatMap((t, i) =>
    Array.from({ length: t.n }, (_, j) =>
      call(service, 60 + i * 100 + j, { customerId: t.customer, plan: t.plan, route: t.route, url: `https://api.example.com${t.route}`, statusCode: t.status }),
    ),
  );
  await ingest(calls);
});

test("usage by plan, top customers of a plan by status class, routes by plan, each as CSV", async ({ page }) => {
  await signIn(page);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Usage" }).click();
  await page.getByLabel("Service").fill(service);
  await page.getByLabel("Service").press("Enter");
  await expect(page).toHaveURL(/period|service=/);

  const plans = page.getByRole("table", { name: /^Plans/ });
  await expect(plans.locator("tbody tr").first()).toContainText("enterprise");
  await expect(plans.locator("tbody tr").first()).toContainText("60");
  await expect(plans.locator("tbody tr").first()).toContainText("75.0 %");

  // The top plan is chosen: its customers, split by status class.
  await expect(page.getByLabel("Plan", { exact: true })).toHaveValue("enterprise");
  const customers = page.getByRole("table", { name: /^Customers of the plan/ });
  await expect(customers.locator("tbody tr")).toHaveCount(2);
  const download = page.waitForEvent("download");
  await customers.getByRole("button", { name: "Download CSV" }).click();
  const csv = readFileSync(await (await download).path(), "utf8").split("\r\n");
  expect(csv).toEqual(["Customer,1xx,2xx,3xx,4xx,5xx,Requests,Share of plan", "big,0,30,0,0,10,40,0.6666666666666666", "mid,0,12,0,8,0,20,0.3333333333333333"]);

  // Another plan.
  await page.getByLabel("Plan", { exact: true }).selectOption("free");
  await expect(customers.locator("tbody tr")).toHaveCount(2);
  await expect(customers.locator("tbody tr").first()).toContainText("tiny");

  // Routes by plan: shares of each route's traffic.
  const routes = page.getByRole("table", { name: /^Share of traffic per route/ });
  const a = routes.locator("tbody tr").filter({ hasText: "/v1/a" });
  await expect(a).toContainText("54"); // 30 + 8 + 12 + 4 calls
  await expect(a.locator("td").nth(1)).toHaveText("92.6 %"); // enterprise: 50 of 54
  await screenshot(page, "usage");

  await page.getByLabel("Columns").selectOption("customer");
  await expect(routes.locator("thead")).toContainText("big");

  // A customer's own page.
  await page.getByLabel("Plan", { exact: true }).selectOption("enterprise");
  await customers.getByRole("link", { name: "big" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Customer big");
  await expect(page.locator("dl.stats")).toContainText("40");
  await expect(page.locator("dl.stats")).toContainText("10 (25.0 %)");
  await expect(page.getByRole("table", { name: /^Routes used/ }).locator("tbody tr")).toHaveCount(2);
  await screenshot(page, "customer-usage");
});
