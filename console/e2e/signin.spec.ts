import { expect, test } from "@playwright/test";
import { adminKey, call, clients, ingest, newKey, screenshot, serviceName, signIn } from "./tapline";

test("a wrong key stays on the sign-in page with the server's reason", async ({ page }) => {
  await page.goto("/calls");
  await expect(page).toHaveURL(/\/signin$/);
  await page.getByLabel("API key").fill("tap_nope_nope");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText(/key/i);
  await screenshot(page, "sign-in");
});

test("the key lives in the browser session only, never in the URL", async ({ page }) => {
  await signIn(page);
  expect(page.url()).not.toContain(adminKey);
  expect(await page.evaluate(() => sessionStorage.getItem("tapline.key"))).toBe(adminKey);
  expect(await page.evaluate(() => localStorage.getItem("tapline.key"))).toBeNull();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  expect(await page.evaluate(() => sessionStorage.getItem("tapline.key"))).toBeNull();
});

test("remember on this device keeps the key across browser sessions", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("API key").fill(adminKey);
  await page.getByLabel("Remember on this device").check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Signed in as")).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem("tapline.key"))).toBe(adminKey);
  await page.getByRole("button", { name: "Sign out" }).click();
  expect(await page.evaluate(() => localStorage.getItem("tapline.key"))).toBeNull();
});

test("a key bound to one service sees that service only", async ({ page }) => {
  const mine = serviceName("mine");
  const other = serviceName("other");
  await ingest([call(mine, 5, { route: "/mine" }), call(other, 5, { route: "/other" })]);
  const key = await newKey(["read"], mine, "bound reader");
  await signIn(page, key);
  const nav = page.getByRole("navigation", { name: "Pages" });
  await expect(nav.getByRole("link")).toHaveText(["Overview", "Calls", "Usage", "Alerts", "Drift"]);
  await expect(page.getByLabel("Signed in as")).toContainText(mine);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Overview · ${mine}`);

  await nav.getByRole("link", { name: "Calls" }).click();
  await expect(page.getByLabel("Service")).toBeDisabled();
  await expect(page.getByLabel("Service")).toHaveValue(mine);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(1);
  await expect(page.locator("table.calls tbody")).toContainText("/mine");
  // Asking for the other service in the URL changes nothing: the key's own service is used.
  await page.goto(`/calls?service=${other}`);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(1);
  await expect(page.locator("table.calls tbody")).not.toContainText("/other");
});

test("an admin key sees every page", async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole("navigation", { name: "Pages" });
  await expect(nav.getByRole("link")).toHaveText(["Overview", "Calls", "Usage", "Alerts", "Drift", "Admin"]);
  await expect(page.getByLabel("Signed in as")).toContainText("admin");
});

test("a key without the read scope is told there is nothing to see", async ({ page }) => {
  const service = serviceName("ingest-only");
  const key = await newKey(["ingest"], service, "sender");
  await signIn(page, key);
  await expect(page.getByRole("navigation", { name: "Pages" }).getByRole("link")).toHaveCount(0);
  await expect(page.getByText("no read scope")).toBeVisible();
});

test("a key revoked while signed in takes the user back to sign-in with the reason", async ({ page }) => {
  const key = await newKey(["read"], "", "soon revoked");
  await signIn(page, key);
  await expect(page.getByRole("table", { name: /^Services/ })).toBeVisible();
  const keyId = key.split("_")[1];
  await clients().admin.revokeApiKey({ keyId });
  // The server's key cache forgets a revoked key at once on this server.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Calls" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole("alert")).toContainText(/revoked/i);
});
