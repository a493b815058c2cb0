import { expect, test } from "@playwright/test";
import { FieldSource, FieldType } from "@tapline/client";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { call, clients, ingest, screenshot, serviceName, signIn } from "./tapline";

test("call detail shows request and response with masked values and cut bodies marked", async ({ page }) => {
  const service = serviceName("detail");
  const trace = crypto.randomUUID().replaceAll("-", "");
  const big = JSON.stringify({ items: Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `item ${i}` })) });
  await ingest([
    call(service, 10, {
      id: "detail-1",
      method: "POST",
      url: "https://api.example.com/v1/login?api_key=sk_live_123&lang=en",
      route: "/v1/login",
      requestHeaders: { authorization: "Bearer very-secret", "content-type": "application/json" },
      requestBody: JSON.stringify({ user: "ada", password: "hunter2" }),
      responseHeaders: { "content-type": "application/json" },
      responseBody: big,
      statusCode: 201,
      latencyMs: 123.4,
      customerId: "acme",
      plan: "gold",
      traceId: trace,
      spanId: "00f067aa0ba902b7",
      tags: { region: "eu" },
    }),
    // Another service's call in the same trace.
    call(`${service}-backend`, 9, { id: "backend-1", route: "/internal/users/{id}", traceId: trace }),
  ]);
  await signIn(page);
  await page.goto(`/calls?service=${service}`);
  await page.locator("table.calls tbody tr td:first-child a").first().click();
  await expect(page).toHaveURL(new RegExp(`/calls/detail-1\\?service=${service}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText("POST /v1/login");

  const request = page.getByRole("region", { name: "Request" });
  const headers = request.locator("table").filter({ hasText: "Request headers" });
  await expect(headers.locator("tr").filter({ hasText: "authorization" }).locator("mark.masked")).toHaveText("[masked]");
  await expect(headers).not.toContainText("very-secret");
  // The body is pretty-printed JSON, its secret marked.
  const body = request.locator("figure.body pre");
  await expect(body).toContainText('"user": "ada"');
  await expect(body.locator("mark.masked")).toHaveCount(1);
  await expect(body).not.toContainText("hunter2");
  await expect(page.locator("p.url mark.masked")).toHaveCount(1);

  const response = page.getByRole("region", { name: "Response" });
  await expect(response.getByRole("note")).toContainText("cut:");
  await expect(page.locator("dl.facts")).toContainText(trace);
  await expect(page.locator("dl.facts")).toContainText("123 ms");
  await screenshot(page, "call-detail");

  await page.getByRole("link", { name: "acme" }).click();
  await expect(page).toHaveURL(/customer=acme/);
  await expect(page.locator("table.calls tbody tr")).toHaveCount(1);

  // The trace id leads to every call of the trace, whichever service made it, oldest first.
  await page.goBack();
  await page.getByRole("link", { name: trace }).click();
  await expect(page).toHaveURL(new RegExp(`trace=${trace}`));
  await expect(page.locator("table.calls tbody tr")).toHaveCount(2);
  await expect(page.locator("table.calls tbody tr").nth(0)).toContainText(service);
  await expect(page.locator("table.calls tbody tr").nth(1)).toContainText(`${service}-backend`);
});

test("call detail shows the extracted fields and the label history, latest first", async ({ page }) => {
  const service = serviceName("fields");
  const tapline = clients();
  await tapline.admin.createService({
    service: {
      name: service,
      fields: [
        { name: "prediction.label", type: FieldType.STRING, source: FieldSource.RESPONSE_BODY, path: "$.prediction.label" },
        { name: "prediction.score", type: FieldType.NUMBER, source: FieldSource.RESPONSE_BODY, path: "/prediction/score" },
      ],
    },
  });
  await ingest([call(service, 10, { id: "fields-1", responseBody: JSON.stringify({ prediction: { label: "cat", score: 0.75 } }) })]);
  const decided = Date.now() - 60_000;
  await tapline.labels.addLabels({
    labels: [
      { service, callId: "fields-1", name: "truth", value: "cat", source: "human:ann", labelTime: timestampFromDate(new Date(decided)) },
      { service, callId: "fields-1", name: "truth", value: "dog", source: "human:bob", labelTime: timestampFromDate(new Date(decided + 30_000)) },
    ],
  });
  await signIn(page);
  await page.goto(`/calls/fields-1?service=${service}`);
  const fields = page.locator("table").filter({ hasText: "Extracted fields" });
  await expect(fields.locator("tr").filter({ hasText: "prediction.label" })).toContainText("cat");
  await expect(fields.locator("tr").filter({ hasText: "prediction.score" })).toContainText("0.75");
  const history = page.getByRole("region", { name: "Labels" }).locator("tbody tr");
  await expect(history).toHaveCount(2);
  await expect(history.nth(0)).toContainText("dog");
  await expect(history.nth(0)).toContainText("latest");
  await expect(history.nth(1)).toContainText("cat");
  await expect(history.nth(1)).toContainText("earlier");
});

test("recorded values are shown as text: scripts, handlers and javascript: links stay inert", async ({ page }) => {
  const service = serviceName("xss");
  const script = "<script>window.__pwned = 'script'</script>";
  const img = `<img src=x onerror="window.__pwned = 'img'">`;
  const link = `<a href="javascript:window.__pwned='link'">click me</a>`;
  await ingest([
    call(service, 5, {
      id: "xss-1",
      url: `https://api.example.com/v1/${encodeURIComponent(script)}`,
      route: script,
      requestHeaders: { "x-note": img },
      requestBody: link,
      responseBody: JSON.stringify({ html: img, href: "javascript:alert(1)" }),
      customerId: "javascript:alert(1)",
      error: script,
      statusCode: 500,
      tags: { note: link },
    }),
  ]);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await signIn(page);
  await page.goto(`/calls?service=${service}`);
  await expect(page.locator("table.calls tbody")).toContainText(script);
  await page.locator("table.calls tbody tr td:first-child a").first().click();
  await expect(page.getByText(img).first()).toBeVisible();
  await expect(page.getByText(link).first()).toBeVisible();
  await expect(page.locator("main img")).toHaveCount(0);
  await expect(page.locator("main script")).toHaveCount(0);
  expect(await page.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""))).not.toContainEqual(
    expect.stringMatching(/^javascript:/i),
  );
  // The customer link leads to the explorer, whatever the customer id says.
  await page.getByRole("link", { name: "javascript:alert(1)" }).click();
  await expect(page).toHaveURL(/\/calls\?/);
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await screenshot(page, "xss-inert");
});

test("the console is served with a strict content security policy", async ({ request }) => {
  for (const path of ["/", "/calls", "/calls/some-id"]) {
    const response = await request.get(path);
    expect(response.status()).toBe(200);
    const csp = response.headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  }
  // A wrong API path is a 404, not the console's page.
  for (const path of ["/v1/no-such-thing", "/tapline.v1.NoService/Nope", "/internal/nope"]) {
    expect((await request.get(path)).status(), path).toBe(404);
  }
});
