import { expect, test } from "@playwright/test";
import { call, ingest, screenshot, serviceName, signIn } from "./tapline";

test("the drift page compares the last hour with the day before, feature by feature", async ({ page }) => {
  const service = serviceName("drift");
  const calls = [];
  // The day before: fast and healthy. The last hour: every call slower, a quarter failing.
  for (let i = 0; i < 200; i++) {
    calls.push(call(service, 7200 + i * 300, { latencyMs: 20 + (i % 20), statusCode: 200 }));
  }
  for (let i = 0; i < 100; i++) {
    calls.push(call(service, 60 + i * 30, { latencyMs: 400 + (i % 20), statusCode: i % 4 === 0 ? 503 : 200 }));
  }
  await ingest(calls);
  await signIn(page);
  await page.goto(`/drift?service=${service}`);
  const rows = page.locator("table tbody tr");
  await expect(rows).toHaveCount(3);
  const latency = rows.filter({ hasText: "latency_ms" });
  await expect(latency).toContainText("drifted");
  await expect(latency).toContainText("200");
  await expect(latency).toContainText("100");
  await expect(rows.filter({ hasText: "status_code" })).toContainText("drifted");
  await expect(rows.filter({ hasText: "route" })).toContainText("stable");
  await expect(page.locator("figure.chart [data-ready=true]")).toBeVisible();
  await screenshot(page, "drift");

  // The reference frozen as a baseline, then compared with by name.
  await page.getByLabel("Save the reference as a baseline named").fill("before-launch");
  await page.getByRole("button", { name: "Save baseline" }).click();
  await expect(page.getByRole("status")).toContainText('Saved baseline "before-launch" with 3 features');
  await page.goto(`/drift?service=${service}&baseline=before-launch`);
  await expect(rows.filter({ hasText: "latency_ms" })).toContainText("drifted");

  // A feature the service does not have is refused with the server's reason.
  await page.goto(`/drift?service=${service}&features=field:nope`);
  await expect(page.getByRole("alert")).toContainText("extracts no field");
});
