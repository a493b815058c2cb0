import { expect, test } from "@playwright/test";
import { clients, screenshot, serviceName, signIn } from "./tapline";

test("a key created in the console is shown once, works, and can be revoked", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const service = serviceName("keys");
  await signIn(page);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "API keys" }).click();
  await page.getByRole("button", { name: "New key" }).click();
  const form = page.getByRole("form", { name: "New API key" });
  await form.getByLabel("Name").fill(`${service} sender`);
  await form.getByLabel("Scope: read").uncheck();
  await form.getByLabel("Scope: ingest").check();
  // An ingest key must be bound to a service: the server says so beside the field.
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByRole("alert")).toContainText("bound to one service");
  await form.getByLabel("Service (required for ingest)").fill(service);
  await form.getByRole("button", { name: "Create" }).click();

  const created = page.getByRole("status", { name: "New key" });
  const key = (await created.locator("code").textContent())!;
  expect(key).toMatch(/^tap_/);
  await created.getByRole("button", { name: "Copy" }).click();
  await expect(created.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await screenshot(page, "admin-key-created");

  // The key works, and is never shown again: not after "Done", not in the list, not after a reload.
  const sent = await clients(key).ingest.ingest({ batchId: `k-${service}`, calls: [] });
  expect(sent.accepted).toBe(0);
  await created.getByRole("button", { name: "Done" }).click();
  await expect(page.getByText(key)).toHaveCount(0);
  await page.reload();
  await expect(page.locator("body")).not.toContainText(key);
  const row = page.locator("tr").filter({ hasText: `${service} sender` });
  await expect(row).toContainText("ingest");

  page.on("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  await expect(clients(key).ingest.ingest({ batchId: `k2-${service}`, calls: [] })).rejects.toThrow(/revoked/);
});

test("services, plans and customers are created and edited in the console", async ({ page }) => {
  const name = serviceName("admin");
  await signIn(page);
  await page.goto("/admin?tab=services");
  await page.getByRole("button", { name: "New service" }).click();
  let form = page.getByRole("form", { name: "New service" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Base URL (replay target)").fill("ftp://nope");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByLabel("Base URL (replay target)").locator("xpath=..").getByRole("alert")).toBeVisible();
  await form.getByLabel("Base URL (replay target)").fill("https://api.example.com");
  await form.getByLabel(/Replay allow-list/).fill("https://staging.example.com/\n10.0.0.7");
  await form.getByLabel(/Retention/).fill("14");
  // A field rule with a word the server does not know: its message names the rule.
  await form.getByLabel(/Extracted fields/).fill("prediction.label text response_body $.prediction.label");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByRole("alert")).toContainText("fields[0].type");
  await form.getByLabel(/Extracted fields/).fill("prediction.label string response_body $.prediction.label\nscore number response_body /score");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form).toHaveCount(0);
  const stored = await clients().admin.getService({ name });
  expect(stored).toMatchObject({ baseUrl: "https://api.example.com", retentionDays: 14, replayAllowList: ["https://staging.example.com/", "10.0.0.7"] });
  expect(stored.fields.map((f) => [f.name, f.path])).toEqual([["prediction.label", "/prediction/label"], ["score", "/score"]]);
  await screenshot(page, "admin-services");

  // Editing another setting keeps the rules (an update replaces every field of the service).
  await page.locator("tr").filter({ hasText: name }).getByRole("button", { name: "Edit" }).click();
  form = page.getByRole("form", { name: `Edit service ${name}` });
  await expect(form.getByLabel(/Extracted fields/)).toHaveValue(/score number response_body \/score/);
  await form.getByLabel("Description").fill("the model");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form).toHaveCount(0);
  expect((await clients().admin.getService({ name })).fields).toHaveLength(2);

  await page.getByRole("tab", { name: "Plans" }).click();
  await page.getByRole("button", { name: "New plan" }).click();
  form = page.getByRole("form", { name: "New plan" });
  await form.getByLabel("Id").fill(`${name}-gold`);
  await form.getByLabel(/Rate limit/).fill("250");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(page.locator("tr").filter({ hasText: `${name}-gold` })).toContainText("250/s");

  await page.getByRole("tab", { name: "Customers" }).click();
  await page.getByRole("button", { name: "New customer" }).click();
  form = page.getByRole("form", { name: "New customer" });
  await form.getByLabel("Id").fill(`${name}-acme`);
  await form.getByLabel("Name").fill("Acme & <Sons>");
  await form.getByLabel("Plan").selectOption(`${name}-gold`);
  await form.getByRole("button", { name: "Create" }).click();
  const customer = page.locator("tr").filter({ hasText: `${name}-acme` });
  await expect(customer).toContainText("Acme & <Sons>");
  await customer.getByRole("button", { name: "Edit" }).click();
  form = page.getByRole("form", { name: `Edit customer ${name}-acme` });
  await expect(form.getByLabel("Id")).toBeDisabled();
  await form.getByLabel("Name").fill("Acme Corp");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(customer).toContainText("Acme Corp");
});

test("only admin keys see the admin page", async ({ page }) => {
  const key = (await clients().admin.createApiKey({ name: "reader", scopes: ["read"] })).key;
  await signIn(page, key);
  await expect(page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByText("Only admin keys")).toBeVisible();
});
