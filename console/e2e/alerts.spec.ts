import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { expect, test } from "@playwright/test";
import { adminKey, baseUrl, call, clients, ingest, screenshot, serviceName, signIn } from "./tapline";

test("a rule created in the console fires, and its event appears live without a reload", async ({ page }) => {
  const service = serviceName("alerting");
  await signIn(page);
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page.getByRole("status")).toHaveText("live");
  await page.getByRole("button", { name: "New rule" }).click();
  const editor = page.getByRole("form", { name: "New rule" });
  await editor.getByLabel("Name").fill(`${service} errors`);
  await editor.getByLabel("Service").fill(service);
  await editor.getByLabel("Severity").selectOption("CRITICAL");
  // A clause on a field the server does not know: its message appears beside the clause.
  const clause = editor.getByRole("group", { name: "Clause 1" });
  await clause.getByLabel("Field").fill("no_such_field");
  await editor.getByRole("button", { name: "Create rule" }).click();
  await expect(clause.getByRole("alert")).toContainText(/field/i);
  await screenshot(page, "alert-rule-editor");

  await clause.getByLabel("Field").fill("status_code");
  await clause.getByLabel("Operator").selectOption(">=");
  await clause.getByLabel("Value").fill("500");
  await editor.getByRole("button", { name: "Create rule" }).click();
  await expect(editor).toHaveCount(0);
  const rules = await clients().alerts.listAlertRules({ service });
  expect(rules.rules.map((r) => r.name)).toEqual([`${service} errors`]);
  await expect(page.locator("table").first()).toContainText(`${service} errors`);

  await ingest([call(service, 0, { statusCode: 502, route: "/v1/pay" })]);
  const event = page.locator("table.events tbody tr").filter({ hasText: `${service} errors` });
  await expect(event).toHaveCount(1);
  await expect(event).toContainText("CRITICAL");
  await expect(event).toContainText("TRIGGERED");
  await event.getByRole("button").click();
  await expect(page.getByRole("article")).toContainText("Webhook deliveries");
  await screenshot(page, "alerts");
});

test("an edited rule keeps its id and shows the new values", async ({ page }) => {
  const service = serviceName("edited");
  const created = await clients().alerts.createAlertRule({
    rule: {
      name: `${service} slow`,
      service,
      enabled: true,
      condition: {
        case: "windowed",
        value: { aggregate: 2, comparison: 1, threshold: 800, window: { seconds: 300n } },
      },
    },
  });
  await signIn(page);
  await page.goto("/alerts");
  await page.locator("tr").filter({ hasText: `${service} slow` }).getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("form", { name: "Edit rule" });
  await expect(editor.getByLabel("Threshold", { exact: true })).toHaveValue("800");
  await editor.getByLabel("Threshold", { exact: true }).fill("1200");
  await editor.getByLabel("Window (seconds)").fill("5");
  await editor.getByRole("button", { name: "Save rule" }).click();
  await expect(editor.getByLabel("Window (seconds)").locator("xpath=..").getByRole("alert")).toBeVisible();
  await editor.getByLabel("Window (seconds)").fill("600");
  await editor.getByRole("button", { name: "Save rule" }).click();
  await expect(editor).toHaveCount(0);
  const stored = await clients().alerts.getAlertRule({ id: created.id });
  expect(stored.condition.case).toBe("windowed");
  expect(stored.condition.value).toMatchObject({ threshold: 1200, window: { seconds: 600n } });
});

test("the live feed resumes after a lost connection, without missing the events in between", async ({ page }) => {
  const service = serviceName("resume");
  await clients().alerts.createAlertRule({
    rule: {
      name: `${service} 5xx`,
      service,
      enabled: true,
      cooldown: { seconds: 0n },
      condition: { case: "perCall", value: { clauses: [{ field: "status_code", op: ">=", value: "500" }] } },
    },
  });
  // The browser reaches the server through a TCP relay on loopback that the test can cut.
  const relay = await Relay.start(new URL(baseUrl));
  try {
    await signIn(page, adminKey, relay.url);
    await page.goto(`${relay.url}/alerts`);
    await expect(page.getByRole("status")).toHaveText("live");
    const events = page.locator("table.events tbody tr").filter({ hasText: `${service} 5xx` });

    relay.cut();
    await expect(page.getByRole("status")).toHaveText("reconnecting…");
    // Fired while the connection is down: the feed must pick it up when it reconnects.
    await ingest([call(service, 0, { statusCode: 503, id: "while-down" })]);
    await expect.poll(async () => (await clients().alerts.listAlertEvents({ filter: { service } })).events.length).toBe(1);
    await expect(events).toHaveCount(0);
    relay.restore();
    await expect(page.getByRole("status")).toHaveText("live", { timeout: 30_000 });
    await expect(events).toHaveCount(1);

    // Live again for the next one, each event once.
    await ingest([call(service, 0, { statusCode: 500, id: "after-reconnect" })]);
    await expect(events).toHaveCount(2);
  } finally {
    await relay.close();
  }
});

/** A TCP relay to the server that can drop every connection and refuse new ones for a while. */
class Relay {
  private readonly sockets = new Set<Socket>();
  private down = false;

  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<Relay> {
    const server = createServer();
    const relay = new Relay(server);
    server.on("connection", (client) => {
      if (relay.down) return client.destroy();
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        relay.sockets.add(s);
        s.on("close", () => relay.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    this.down = true;
    this.sockets.forEach((s) => s.destroy());
  }

  restore(): void {
    this.down = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((done) => this.server.close(() => done()));
  }
}
