// The console's speed on a large table: time to the explorer's first rows, to a filtered page and
// to the overview's charts, in Debian's Chromium, against a running Tapline (TAPLINE_URL and
// TAPLINE_ADMIN_KEY). ConsoleBenchmark starts a server on 10 million calls and runs this.
// Each figure is measured from the navigation's start in Node to the element appearing, after one
// warm-up, over RUNS runs; the median and the worst are printed beside the target.
import { chromium } from "../../node_modules/playwright-core/index.mjs";

const url = process.env.TAPLINE_URL;
const key = process.env.TAPLINE_ADMIN_KEY;
const runs = Number(process.env.RUNS ?? 7);
if (!url || !key) throw new Error("set TAPLINE_URL and TAPLINE_ADMIN_KEY");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${url}/signin`);
await page.getByLabel("API key").fill(key);
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByLabel("Signed in as").waitFor();

async function measure(name, path, ready, target) {
  const times = [];
  for (let i = 0; i <= runs; i++) {
    await page.goto("about:blank");
    const start = performance.now();
    await page.goto(`${url}${path}`);
    await ready();
    if (i > 0) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const worst = times[times.length - 1];
  console.log(`${name.padEnd(50)} median ${median.toFixed(0).padStart(5)} ms   worst ${worst.toFixed(0).padStart(5)} ms   target ${target} ms   ${median <= target ? "met" : "MISSED"}`);
}

const rows = () => page.locator("table.calls tbody tr").first().waitFor();
const charts = () => page.locator("figure.chart [data-ready=true]").nth(2).waitFor();
await measure("Explorer, newest calls, last hour", "/calls", rows, 1000);
await measure("Explorer, newest calls, last 24 h", "/calls?range=24h", rows, 1000);
await measure("Explorer, one customer's 5xx of a service, 24 h", "/calls?range=24h&service=payments&customer=cust-1500&class=5xx", rows, 1000);
await measure("Explorer, slowest calls, last hour", "/calls?order=slowest", rows, 1000);
await measure("Overview, charts, last hour", "/", charts, 1500);
await measure("Overview, charts, last 24 h", "/?range=24h", charts, 1500);
await measure("Overview, one service, last 24 h", "/?range=24h&service=checkout", charts, 1500);
await browser.close();
